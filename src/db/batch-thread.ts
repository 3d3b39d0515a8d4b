// Owns the recorder thread (Node and Bun) from the event loop's side: a worker_threads Worker with its own libSQL
// connection to the same file (WAL), started on the first batch, fed one batch at a time. Measured reason
// (bench section 3): libSQL runs statements synchronously, so on the event loop every flush paused all
// requests for its whole transaction; here the loop only clones the batch into a message.
import type { Worker } from "node:worker_threads";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { type BatchStore, ROWS_PER_FLUSH } from "../stats/batch-store.js";
import type { Batch } from "../stats/pending-writes.js";
import type { RequestCounters } from "../stats/types.js";
import { FILE_BUSY_TIMEOUT_MS } from "./client.js";

/** What the thread is started with (workerData). */
export interface BatchThreadData {
  url: string;
  /** libSQL busy timeout, ms (another connection holding the write lock). */
  timeoutMs: number;
}

/**
 * A batch as posted to the thread: its history rows as JSON texts of up to ROWS_PER_TEXT rows each, in
 * order. Measured reason (bench profile on Bun, where postMessage was ≈ 5 % of busy CPU): cloning 1,024 rows
 * as arrays took 0.80 ms on Bun's event loop and 0.63 ms on Node's; JSON.stringify took 0.15 / 0.39 ms and a
 * string's clone next to nothing on Bun (0.18 ms on Node), so Bun's loop does a fifth of the work and Node's
 * the same. The rows are strings, numbers and null, which JSON gives back exactly.
 */
export interface PostedBatch extends Omit<Batch, "history"> {
  history: string[];
}

/**
 * History rows per posted text. A row is ≈ 300 bytes of JSON without stored bodies, so a text stays well
 * under V8's large-object size (128 KiB): a text that large is allocated straight in the old generation and
 * freed only by a full collection (measured: one 1,024-row text per batch was 4 % of the garbage V8's full
 * collections freed at c=100), where a smaller one dies young once it is posted.
 */
const ROWS_PER_TEXT = 128;

/** The batch's history rows as posted (PostedBatch.history). */
export function historyTexts(history: Batch["history"]): string[] {
  const texts: string[] = [];
  for (let start = 0; start < history.length; start += ROWS_PER_TEXT) {
    texts.push(JSON.stringify(history.slice(start, start + ROWS_PER_TEXT)));
  }
  return texts;
}

/** One reply per batch: the committed counters, or the error's name and message. */
export type BatchThreadReply =
  | { id: number; counters: [string, RequestCounters][] }
  | { id: number; error: { name: string; message: string; code?: string } };

/** A local database file the thread can open too (not an in-memory database, not a remote server). */
export function threadableDatabase(url: string): boolean {
  return url.startsWith("file:") && !url.includes(":memory:") && !url.includes("mode=memory");
}

/**
 * History rows per batch (one transaction) in the thread. Measured reasons (bench section 3, an 11k req/s
 * run, and timed writes on this machine): with the in-process size (256) every commit rewrote the table's
 * and five indexes' last pages to the WAL, the thread fell behind above ~10k req/s and the history buffer
 * overflowed (rows dropped). Upper bound: the transaction holds the file's write lock, which the main
 * connection's writes (health checks, admin API) wait for (src/db/client.ts BUSY_PAUSES_MS) and other
 * instances' recorder threads wait at most FILE_BUSY_TIMEOUT_MS (50 ms) for — 4,096 rows took 44–63 ms,
 * 1,024 rows 7–14 ms.
 */
export const THREAD_ROWS_PER_BATCH = 1024;

/** The thread's young generation bound, MiB. */
const YOUNG_GENERATION_MB = 4;

interface Waiting {
  resolve: (counters: Map<string, RequestCounters>) => void;
  reject: (error: Error) => void;
}

export function createThreadedBatchStore(options: {
  /** The thread's entry: dist/recorder-thread.js (bundled from src/recorder-thread.ts). */
  entry: URL;
  data: BatchThreadData;
  logger: Logger;
  /** History rows per batch: THREAD_ROWS_PER_BATCH unless rows can be large (stored bodies). */
  rowsPerBatch: number;
}): BatchStore {
  let worker: Promise<Worker> | null = null;
  /** The running thread (its exit clears `worker` only if no newer one was started). */
  let current: Worker | null = null;
  let nextId = 1;
  let closed = false;
  const waiting = new Map<number, Waiting>();

  const failAll = (error: Error) => {
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  };

  // node:worker_threads is imported on the first batch, not at boot (measured: ~3 % of a restart's CPU).
  const start = async (): Promise<Worker> => {
    const { Worker } = await import("node:worker_threads");
    const thread = new Worker(options.entry, {
      workerData: options.data,
      // Its work is one small batch at a time: a small young generation keeps its heap (RSS) small.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    // The server keeps the process alive; a write in flight at exit is the shutdown flush's business.
    thread.unref();
    thread.on("message", (reply: BatchThreadReply) => {
      const entry = waiting.get(reply.id);
      if (!entry) return;
      waiting.delete(reply.id);
      if ("counters" in reply) entry.resolve(new Map(reply.counters));
      else entry.reject(Object.assign(new Error(reply.error.message), reply.error));
    });
    thread.on("error", (error) => {
      options.logger.warn("recorder thread failed; restarting it for the next batch", { error });
    });
    thread.on("exit", (code) => {
      if (current === thread) worker = null;
      failAll(new Error(`recorder thread exited (code ${code})`));
    });
    current = thread;
    return thread;
  };

  return {
    rowsPerBatch: options.rowsPerBatch,
    // Named for the bench's CPU profile (bench/main.ts RECORDER_FLUSH_FUNCTIONS).
    write: async function postBatch(batch: Batch) {
      if (closed) throw new Error("recorder thread closed");
      worker ??= start();
      const thread = await worker;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        const posted: PostedBatch = { ...batch, history: historyTexts(batch.history) };
        thread.postMessage({ id, batch: posted });
      });
    },
    async close() {
      closed = true;
      const thread = await worker?.catch(() => null);
      worker = null;
      if (thread) await thread.terminate();
      failAll(new Error("recorder thread closed"));
    },
  };
}

/**
 * RuntimeParts.createBatchStore for an entry: the recorder thread at `entry` when the database is a local
 * file, otherwise undefined (in-process writes).
 */
export function recorderThreadFor(
  config: Pick<Config, "databaseUrl" | "logBodies">,
  entry: URL,
): ((logger: Logger) => BatchStore) | undefined {
  if (!threadableDatabase(config.databaseUrl)) return undefined;
  return (logger) =>
    createThreadedBatchStore({
      entry,
      data: { url: config.databaseUrl, timeoutMs: FILE_BUSY_TIMEOUT_MS },
      logger,
      // Stored bodies make rows up to 2 × LLMLB_LOG_BODY_MAX_BYTES: keep the in-process batch size then.
      rowsPerBatch: config.logBodies ? ROWS_PER_FLUSH : THREAD_ROWS_PER_BATCH,
    });
}
