// Owns the reads behind the statistics: persisted counters and latencies, the per-minute history, recent
// response times, and daily stats per endpoint.
import { and, asc, desc, eq, gte, sql } from "drizzle-orm";
import type { DailyStatsRow } from "../stats/types.js";
import type { AppDatabase } from "./client.js";
import { endpointDailyStats, endpoints, requestHistory } from "./schema.js";
import { COUNTER_COLUMNS, type CounterRow } from "./stats-writes.js";

export type EndpointCounterRow = CounterRow & { latencyMs: number | null };

/** A query (awaitable, or one item of a `db.batch`, which reads every item in one transaction). */
export function readEndpointCounters(db: AppDatabase) {
  return db.select({ ...COUNTER_COLUMNS, latencyMs: endpoints.latencyMs }).from(endpoints);
}

export interface MinuteCount {
  /** Epoch ms of the start of the minute. */
  minuteStart: number;
  success: number;
  error: number;
}

/** Success/error counts per minute of the requests that finished at or after `since` (one query). */
export async function readMinuteCounts(db: AppDatabase, since: number): Promise<MinuteCount[]> {
  const minute = sql<number>`(${requestHistory.createdAt} / 60000)`;
  const rows = await db
    .select({
      minute,
      success: sql<number>`sum(case when ${requestHistory.status} = 'success' then 1 else 0 end)`,
      error: sql<number>`sum(case when ${requestHistory.status} = 'success' then 0 else 1 end)`,
    })
    .from(requestHistory)
    .where(gte(requestHistory.createdAt, since))
    .groupBy(minute);
  return rows.map((row) => ({
    minuteStart: Number(row.minute) * 60_000,
    success: Number(row.success),
    error: Number(row.error),
  }));
}

/** Durations (ms) of the most recent successful requests, oldest first. */
export async function readRecentDurations(db: AppDatabase, limit: number): Promise<number[]> {
  const rows = await db
    .select({ durationMs: requestHistory.durationMs })
    .from(requestHistory)
    .where(eq(requestHistory.status, "success"))
    .orderBy(desc(requestHistory.createdAt))
    .limit(limit);
  return rows.map((row) => row.durationMs).reverse();
}

/** Daily rows from `fromDate` (YYYY-MM-DD, inclusive) on; one endpoint's, or every endpoint's. */
/** A query (awaitable, or one item of a `db.batch`). */
export function readDailyStats(db: AppDatabase, fromDate: string, endpointId?: string) {
  const since = gte(endpointDailyStats.date, fromDate);
  return db
    .select()
    .from(endpointDailyStats)
    .where(endpointId === undefined ? since : and(since, eq(endpointDailyStats.endpointId, endpointId)))
    .orderBy(asc(endpointDailyStats.date));
}

/** Every daily row of one endpoint (all dates). */
export function readAllDailyStats(db: AppDatabase, endpointId: string): Promise<DailyStatsRow[]> {
  return db.select().from(endpointDailyStats).where(eq(endpointDailyStats.endpointId, endpointId));
}
