// Owns writing recorder batches through libsql's synchronous API (the recorder thread's connection): the
// flush's statements (batch-sql.ts) prepared once per statement text and reused, one IMMEDIATE transaction
// per batch. Measured reason (bench section 3 thread profile): through @libsql/client every flush prepared
// each statement again (≈ 17 % of the thread's CPU) and probed each for result columns by a thrown error.
import Database from "libsql";
import type { Batch } from "../stats/pending-writes.js";
import type { RequestCounters } from "../stats/types.js";
import { COUNTERS_SELECT, countersByEndpoint, flushStatements } from "./batch-sql.js";

type Statement = Database.Statement;

/** The file path of a local `file:` URL as @libsql/client reads it (`file:rel.db`, `file:/abs`, `file:///abs`). */
export function filePathOf(url: string): string {
  let rest = url.slice("file:".length).split("?")[0] as string;
  if (rest.startsWith("//")) rest = rest.slice(2 + rest.slice(2).indexOf("/"));
  return decodeURIComponent(rest);
}

export interface SyncBatchWriter {
  /** Writes one batch in one transaction and returns every endpoint's counters as committed. */
  write(batch: Batch): Map<string, RequestCounters>;
  close(): void;
}

export function openSyncBatchWriter(url: string, busyTimeoutMs: number): SyncBatchWriter {
  const db = new Database(filePathOf(url), { timeout: busyTimeoutMs });
  // At most ROWS_PER_INSERT history INSERT texts plus the five other statements: a small, bounded cache.
  const prepared = new Map<string, Statement>();
  const statement = (sql: string): Statement => {
    let found = prepared.get(sql);
    if (!found) {
      found = db.prepare(sql);
      prepared.set(sql, found);
    }
    return found;
  };
  return {
    write(batch) {
      db.exec("BEGIN IMMEDIATE");
      try {
        for (const { sql, args } of flushStatements(batch)) statement(sql).run(args);
        const counters = countersByEndpoint(statement(COUNTERS_SELECT).raw(true).all() as unknown[][]);
        db.exec("COMMIT");
        return counters;
      } catch (error) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw error;
      }
    },
    close: () => db.close(),
  };
}
