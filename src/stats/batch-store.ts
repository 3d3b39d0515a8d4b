// Owns the port through which the recorder's writer hands one batch to the database, and its in-process
// implementation (libSQL on the event loop: Workers, Bun, remote databases, tests). Node with a local file
// uses a thread instead (src/db/batch-thread.ts): the same SQL, run off the event loop.
import { createBatchSql } from "../db/batch-sql.js";
import type { DatabaseHandle } from "../db/client.js";
import type { Batch } from "./pending-writes.js";
import type { RequestCounters } from "./types.js";

export interface BatchStore {
  /** Writes one batch in one transaction; resolves with every endpoint's counters as committed. */
  write(batch: Batch): Promise<Map<string, RequestCounters>>;
  /** Releases what the store holds (a thread); writes after close() fail. */
  close(): Promise<void>;
}

export function inProcessBatchStore(database: DatabaseHandle): BatchStore {
  const sql = createBatchSql();
  return {
    write: (batch) => sql.write(database.client, batch),
    close: () => Promise.resolve(),
  };
}
