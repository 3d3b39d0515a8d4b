// Owns shaping daily statistics for the API: database rows merged with unwritten ones, totals per day or
// per model, daily TPS = output tokens / (duration_ms / 1000). Pure.
import type { LoadProfile } from "../balancer/load-model.js";
import type { TpsEntry } from "../balancer/tps-tracker.js";
import type { ApiKind, CountersJson, ModelLoad } from "../events/types.js";
import { modelLoadOf } from "./model-load.js";
import { addDaily, dailyKey } from "./pending-writes.js";
import type { DailyStatsRow } from "./types.js";

export interface DailyTotals extends CountersJson {
  total_duration_ms: number;
  /** tokens/s over the day's successful requests, one decimal; null when none produced tokens. */
  tps: number | null;
}

/** One day of /api/endpoints/{id}/daily-stats, and /today-stats. */
export type DayStats = DailyTotals & { /** YYYY-MM-DD, UTC. */ date: string };
/** One row of /api/endpoints/{id}/model-stats. */
export type ModelStats = DailyTotals & { model_id: string; api_kind: ApiKind };

/** One row of /api/endpoints/{id}/model-tps (and of the dashboard's model-stats with the endpoint). */
export interface ModelTps {
  model_id: string;
  api_kind: ApiKind;
  /** tokens/s EMA, one decimal; null until measured. */
  tps: number | null;
  request_count: number;
  total_output_tokens: number;
  average_duration_ms: number | null;
  ttft_ms: number | null;
  decode_tps: number | null;
  /** What routing learned about this endpoint × model under load; null before a proxied request finished. */
  load: ModelLoad | null;
}

export const oneDecimal = (value: number | null): number | null =>
  value === null || !Number.isFinite(value) ? null : Math.round(value * 10) / 10;

export const dailyTps = (tokens: number, durationMs: number): number | null =>
  tokens > 0 && durationMs > 0 ? oneDecimal(tokens / (durationMs / 1000)) : null;

/** Database rows plus rows not yet written, summed per (endpoint, model, date, api kind). */
export function mergeDailyRows(stored: DailyStatsRow[], unwritten: DailyStatsRow[]): DailyStatsRow[] {
  const merged = new Map<string, DailyStatsRow>();
  for (const row of [...stored, ...unwritten]) {
    const key = dailyKey(row);
    const existing = merged.get(key);
    if (existing) addDaily(existing, row);
    else merged.set(key, { ...row });
  }
  return [...merged.values()];
}

function totalsOf(rows: DailyStatsRow[]): DailyTotals {
  const sum = (pick: (row: DailyStatsRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
  const tokens = sum((row) => row.totalOutputTokens);
  const durationMs = sum((row) => row.totalDurationMs);
  return {
    total_requests: sum((row) => row.totalRequests),
    successful_requests: sum((row) => row.successfulRequests),
    failed_requests: sum((row) => row.failedRequests),
    total_input_tokens: sum((row) => row.totalInputTokens),
    total_output_tokens: tokens,
    total_duration_ms: durationMs,
    tps: dailyTps(tokens, durationMs),
  };
}

function groupBy(rows: DailyStatsRow[], key: (row: DailyStatsRow) => string): Map<string, DailyStatsRow[]> {
  const groups = new Map<string, DailyStatsRow[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

/** One entry per date that has requests, oldest first. */
export function perDay(rows: DailyStatsRow[]): DayStats[] {
  return [...groupBy(rows, (row) => row.date)]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, group]) => ({ date, ...totalsOf(group) }));
}

/** One entry per (model, api kind), sorted by model then api kind. */
export function perModel(rows: DailyStatsRow[]): ModelStats[] {
  return [...groupBy(rows, (row) => `${row.modelId}\u0000${row.apiKind}`).values()]
    .map((group) => {
      const first = group[0] as DailyStatsRow;
      // Rows hold only the api kinds completion records carry.
      return { model_id: first.modelId, api_kind: first.apiKind as ApiKind, ...totalsOf(group) };
    })
    .sort((a, b) => a.model_id.localeCompare(b.model_id) || a.api_kind.localeCompare(b.api_kind));
}

/** The totals of one date (zeros and null tps when it has no rows). */
export function oneDay(rows: DailyStatsRow[], date: string): DayStats {
  return { date, ...totalsOf(rows.filter((row) => row.date === date)) };
}

export function modelTpsOf(entry: TpsEntry, profile: LoadProfile | undefined): ModelTps {
  return {
    model_id: entry.model,
    api_kind: entry.apiKind,
    tps: oneDecimal(entry.tps),
    request_count: entry.requestCount,
    total_output_tokens: entry.totalOutputTokens,
    average_duration_ms:
      entry.requestCount > 0 ? oneDecimal(entry.totalDurationMs / entry.requestCount) : null,
    ttft_ms: oneDecimal(entry.ttftMs),
    decode_tps: oneDecimal(entry.decodeTps),
    load: modelLoadOf(profile),
  };
}
