// Recorder thread entry (Node; bundled to dist/recorder-thread.js): writes the batches the event loop posts
// (src/db/batch-thread.ts) through its own libSQL connection, one at a time, with the same SQL as in-process.
import { parentPort, workerData } from "node:worker_threads";
import type { BatchThreadData, BatchThreadReply, PostedBatch } from "./db/batch-thread.js";
import { openSyncBatchWriter, type SyncBatchWriter } from "./db/sync-batch-writer.js";
import type { HistoryRow } from "./stats/pending-writes.js";

const data = workerData as BatchThreadData;
const port = parentPort;
if (!port) throw new Error("recorder-thread.ts runs as a worker thread only");

/** Opened on the first batch, so an open failure is that batch's error (the writer retries it). */
let writer: SyncBatchWriter | null = null;

// Messages are handled one at a time, in the order posted: the writes are synchronous.
port.on("message", (message: { id: number; batch: PostedBatch }) => {
  let reply: BatchThreadReply;
  try {
    writer ??= openSyncBatchWriter(data.url, data.timeoutMs);
    const history = message.batch.history.flatMap((text) => JSON.parse(text) as HistoryRow[]);
    reply = { id: message.id, counters: [...writer.write({ ...message.batch, history })] };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const code = (e as { code?: unknown }).code;
    reply = {
      id: message.id,
      error: { name: e.name, message: e.message, ...(typeof code === "string" ? { code } : {}) },
    };
  }
  port.postMessage(reply);
});
