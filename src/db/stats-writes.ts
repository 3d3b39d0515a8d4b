// Owns the recorder's drizzle writes: TPS checkpoints per instance and bounded deletes of expired history
// (the flush batches themselves are plain SQL in batch-sql.ts).
import { eq, inArray, lt, min } from "drizzle-orm";
import type { TpsEntry } from "../balancer/tps-tracker.js";
import type { CheckpointRow } from "../stats/tps-restore.js";
import type { RequestCounters } from "../stats/types.js";
import type { AppDatabase } from "./client.js";
import { clientHourlyStats, endpoints, modelTpsState, requestHistory } from "./schema.js";

/** Rows per multi-row checkpoint INSERT (well under SQLite's bound-variable limit). */
const ROWS_PER_INSERT = 100;

type BatchItems = Parameters<AppDatabase["batch"]>[0];

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const COUNTER_COLUMNS = {
  id: endpoints.id,
  totalRequests: endpoints.totalRequests,
  successfulRequests: endpoints.successfulRequests,
  failedRequests: endpoints.failedRequests,
  totalInputTokens: endpoints.totalInputTokens,
  totalOutputTokens: endpoints.totalOutputTokens,
};

export type CounterRow = RequestCounters & { id: string };

export function countersFromRow(row: CounterRow): RequestCounters {
  const { id: _id, ...counters } = row;
  return counters;
}

function checkpointValues(instanceId: string, entries: TpsEntry[], now: number) {
  return entries.map((entry) => ({
    instanceId,
    endpointId: entry.endpointId,
    modelId: entry.model,
    apiKind: entry.apiKind,
    tpsEma: entry.tps,
    ttftEmaMs: entry.ttftMs,
    decodeTpsEma: entry.decodeTps,
    requestCount: entry.requestCount,
    totalOutputTokens: entry.totalOutputTokens,
    totalDurationMs: Math.round(entry.totalDurationMs),
    updatedAt: now,
  }));
}

/** Replaces this instance's checkpoint rows with the given tracker state, in one transaction. */
export async function writeCheckpoint(
  db: AppDatabase,
  instanceId: string,
  entries: TpsEntry[],
  now: number,
): Promise<void> {
  const statements: unknown[] = [db.delete(modelTpsState).where(eq(modelTpsState.instanceId, instanceId))];
  for (const rows of chunks(checkpointValues(instanceId, entries, now), ROWS_PER_INSERT)) {
    statements.push(db.insert(modelTpsState).values(rows));
  }
  await db.batch(statements as unknown as BatchItems);
}

/**
 * Boot: reads every instance's checkpoint rows, merges them with `merge`, and in the same write
 * transaction replaces the rows it read with the merged state under this instance's id (so checkpoints of
 * finished processes do not pile up; instances still running rewrite theirs at their next checkpoint).
 */
export async function adoptCheckpoints(
  db: AppDatabase,
  instanceId: string,
  now: number,
  merge: (rows: CheckpointRow[]) => TpsEntry[],
): Promise<TpsEntry[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(modelTpsState);
    const merged = merge(rows);
    const instances = [...new Set(rows.map((row) => row.instanceId))];
    if (instances.length > 0) {
      await tx.delete(modelTpsState).where(inArray(modelTpsState.instanceId, instances));
    }
    for (const values of chunks(checkpointValues(instanceId, merged, now), ROWS_PER_INSERT)) {
      await tx.insert(modelTpsState).values(values);
    }
    return merged;
  });
}

// The retention job runs every 10 s, and until rows reach the retention age it has nothing to delete. Each
// delete below looks first, with a read of the indexed column's minimum: a read never waits for a write lock
// (WAL), a DELETE takes it even when it matches nothing. Measured reason: under load on a slow host the
// recorder's connection holds the file's write lock back to back, and the empty DELETE then met it on every
// attempt for the ~2 s the main connection retries, failing the job ("background job failed") with a
// reconnect after every busy attempt.

/** Deletes the client hours that ended before `before` (epoch ms): one hour per client row, so few rows. */
export async function deleteClientHoursBefore(db: AppDatabase, before: number): Promise<void> {
  const [first] = await db.select({ hour: min(clientHourlyStats.hour) }).from(clientHourlyStats);
  if (first?.hour == null || first.hour >= before - 3_600_000) return;
  await db.delete(clientHourlyStats).where(lt(clientHourlyStats.hour, before - 3_600_000));
}

/** Deletes at most `limit` history rows older than `before` (epoch ms); returns how many it deleted. */
export async function deleteHistoryBefore(db: AppDatabase, before: number, limit: number): Promise<number> {
  const [first] = await db.select({ at: min(requestHistory.createdAt) }).from(requestHistory);
  if (first?.at == null || first.at >= before) return 0;
  const oldest = db
    .select({ id: requestHistory.id })
    .from(requestHistory)
    .where(lt(requestHistory.createdAt, before))
    .orderBy(requestHistory.createdAt)
    .limit(limit);
  const result = await db.delete(requestHistory).where(inArray(requestHistory.id, oldest));
  return result.rowsAffected;
}
