// Owns writing the recorder's batches to a local database file off the event loop (Node and Bun): a
// connection of its own through libsql's promise API, whose exec() and queries run on the driver's native
// threads, so the event loop only writes the batch's SQL text (batch-sql.ts aggregateScript,
// historyScripts). One IMMEDIATE transaction per batch: the scripts, the counters read back, COMMIT.
// Measured reasons (against the recorder thread it replaces, a worker_threads Worker with its own V8 isolate
// fed one cloned batch at a time): README, Performance.
import type { Config } from "../config.js";
import { type BatchStore, ROWS_PER_FLUSH } from "../stats/batch-store.js";
import type { Batch } from "../stats/pending-writes.js";
import type { RequestCounters } from "../stats/types.js";
import { aggregateScript, COUNTERS_SELECT, countersByEndpoint, historyScripts } from "./batch-sql.js";
import { FILE_BUSY_TIMEOUT_MS } from "./client.js";

/**
 * History rows per batch (one transaction). Measured reasons (bench section 3, an 11k req/s run, and timed
 * writes on this machine): with the in-process size (256) every commit rewrote the table's and five indexes'
 * last pages to the WAL and the writer fell behind above ~10k req/s (rows dropped). Upper bound: the
 * transaction holds the file's write lock, which the main connection's writes (health checks, admin API)
 * wait for (src/db/client.ts BUSY_PAUSES_MS) and other instances' writers wait at most FILE_BUSY_TIMEOUT_MS
 * (50 ms) for — 4,096 rows took 44–63 ms, 1,024 rows 7–14 ms.
 */
export const FILE_ROWS_PER_BATCH = 1024;

/** What this store uses of libsql's promise API (its own typings are mostly `any`). */
interface AsyncDatabase {
  exec(sql: string): Promise<void>;
  prepare(sql: string): Promise<AsyncStatement>;
  readonly inTransaction: boolean;
  close(): void;
}

interface AsyncStatement {
  raw(toggle: boolean): AsyncStatement;
  all(): Promise<unknown[][]>;
}

interface Connection {
  db: AsyncDatabase;
  /** COUNTERS_SELECT, prepared once, rows as arrays. */
  counters: AsyncStatement;
}

/** A local database file (not an in-memory database, not a remote server). */
export function localDatabaseFile(url: string): boolean {
  return url.startsWith("file:") && !url.includes(":memory:") && !url.includes("mode=memory");
}

/** The file path of a local `file:` URL as @libsql/client reads it (`file:rel.db`, `file:/abs`, `file:///abs`). */
export function filePathOf(url: string): string {
  let rest = url.slice("file:".length).split("?")[0] as string;
  if (rest.startsWith("//")) rest = rest.slice(2 + rest.slice(2).indexOf("/"));
  return decodeURIComponent(rest);
}

async function openConnection(url: string, busyTimeoutMs: number): Promise<Connection> {
  const { default: Database } = await import("libsql/promise");
  // `inTransaction` is a getter its typings leave out.
  const db = new Database(filePathOf(url), { timeout: busyTimeoutMs }) as unknown as AsyncDatabase;
  // WAL (set by the main connection) with synchronous=NORMAL: a commit is not fsynced, the WAL is at each
  // checkpoint. A power cut can lose the last commits — statistics the recorder holds in memory for up to a
  // tick anyway — but never corrupts the file; a process crash loses nothing committed. Measured reason: the
  // writer spent most of its time waiting in COMMIT's fsync (bench section 3 thread profile).
  try {
    await db.exec("PRAGMA synchronous = NORMAL");
    return { db, counters: (await db.prepare(COUNTERS_SELECT)).raw(true) };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * History rows per exec(). The event loop's part of a batch is writing its SQL text and the driver's
 * conversion of it to UTF-8 (≈ 4 µs a row). Measured on this machine: 1,024 rows in one script held the
 * event loop 4–13 ms (build) + 1.5–2.3 ms (exec call), 128 rows 0.2–0.8 + 0.03–0.19 ms. Each further exec()
 * is one more hand-over to the driver's thread while the transaction holds the write lock.
 */
const ROWS_PER_EXEC = 128;

/** Runs one batch's transaction; rolls back whatever it left open when a statement fails. */
async function runBatchTransaction(
  { db, counters: countersSelect }: Connection,
  batch: Batch,
): Promise<Map<string, RequestCounters>> {
  try {
    await db.exec(`BEGIN IMMEDIATE;\n${aggregateScript(batch)}`);
    for (const script of historyScripts(batch.history, ROWS_PER_EXEC)) await db.exec(script);
    const counters = countersByEndpoint(await countersSelect.all());
    await db.exec("COMMIT");
    return counters;
  } catch (error) {
    if (db.inTransaction) await db.exec("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

export function createFileBatchStore(options: {
  url: string;
  /** libSQL busy timeout, ms (another connection holding the write lock). */
  busyTimeoutMs: number;
  /** History rows per batch: FILE_ROWS_PER_BATCH unless rows can be large (stored bodies). */
  rowsPerBatch: number;
}): BatchStore {
  /** Opened on the first batch, so an open failure is that batch's error (the writer retries it). */
  let connection: Promise<Connection> | null = null;
  const connected = (): Promise<Connection> => {
    connection ??= openConnection(options.url, options.busyTimeoutMs).catch((error: unknown) => {
      connection = null;
      throw error;
    });
    return connection;
  };
  /**
   * The last batch handed over, settled or not. Batches run one after another on the one connection (a
   * second BEGIN inside the first's transaction would fail, and its ROLLBACK undo the first's writes);
   * close() waits for the last.
   */
  let writing: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    rowsPerBatch: options.rowsPerBatch,
    // Named for the bench's CPU profile (bench/main.ts RECORDER_FLUSH_FUNCTIONS).
    write: async function writeFileBatch(batch: Batch) {
      if (closed) throw new Error("recorder store closed");
      const written = writing.then(connected).then((open) => runBatchTransaction(open, batch));
      writing = written.catch(() => undefined);
      return written;
    },
    async close() {
      closed = true;
      await writing;
      const open = await connection?.catch(() => null);
      connection = null;
      open?.db.close();
    },
  };
}

/**
 * RuntimeParts.createBatchStore for the Node and Bun entries: the file store when the database is a local
 * file, otherwise undefined (in-process writes through the main connection).
 */
export function fileBatchStoreFor(
  config: Pick<Config, "databaseUrl" | "logBodies">,
): (() => BatchStore) | undefined {
  if (!localDatabaseFile(config.databaseUrl)) return undefined;
  return () =>
    createFileBatchStore({
      url: config.databaseUrl,
      busyTimeoutMs: FILE_BUSY_TIMEOUT_MS,
      // Stored bodies make rows up to 2 × LLMLB_LOG_BODY_MAX_BYTES: keep the in-process batch size then.
      rowsPerBatch: config.logBodies ? ROWS_PER_FLUSH : FILE_ROWS_PER_BATCH,
    });
}
