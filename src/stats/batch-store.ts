// Owns the port through which the recorder's writer hands one batch to the database, and its in-process
// implementation (libSQL on the event loop: Workers, remote databases, tests). Node and Bun with a local file
// use their own connection instead (src/db/file-batch-store.ts): the same statements, run off the event loop.
import { createBatchSql } from "../db/batch-sql.js";
import type { DatabaseHandle } from "../db/client.js";
import type { Batch } from "./pending-writes.js";
import type { RequestCounters } from "./types.js";

/**
 * History rows written per transaction by an in-process store. Small batches keep each synchronous libSQL
 * write short (a few ms on the event loop) instead of one long pause; a backlog is drained batch after batch
 * (see StatsWriter.flush()). A store off the event loop sets its own, larger size (BatchStore.rowsPerBatch).
 */
export const ROWS_PER_FLUSH = 256;

export interface BatchStore {
  /** History rows the writer puts in one batch (one transaction). */
  readonly rowsPerBatch: number;
  /** Writes one batch in one transaction; resolves with every endpoint's counters as committed. */
  write(batch: Batch): Promise<Map<string, RequestCounters>>;
  /** Releases what the store holds (a thread); writes after close() fail. */
  close(): Promise<void>;
}

export function inProcessBatchStore(database: DatabaseHandle): BatchStore {
  const sql = createBatchSql();
  return {
    rowsPerBatch: ROWS_PER_FLUSH,
    write: (batch) => sql.write(database.client, batch),
    close: () => Promise.resolve(),
  };
}
