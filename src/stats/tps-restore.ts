// Owns rebuilding TPS tracker state at boot: checkpoints of every instance merged per key (weighted by
// request count), keys without a checkpoint rebuilt from today's daily stats, then combined with anything
// measured since boot. Pure.
import { emptyTpsEntry, type TpsEntry, tpsKey } from "../balancer/tps-tracker.js";
import type { ApiKind } from "../events/types.js";
import type { DailyStatsRow } from "./types.js";

/** One row of `model_tps_state`. */
export interface CheckpointRow {
  instanceId: string;
  endpointId: string;
  modelId: string;
  apiKind: string;
  tpsEma: number | null;
  ttftEmaMs: number | null;
  decodeTpsEma: number | null;
  requestCount: number;
  totalOutputTokens: number;
  totalDurationMs: number;
}

const entryKey = (entry: TpsEntry) => tpsKey(entry.endpointId, entry.model, entry.apiKind);

/** Mean of the non-null values weighted by request count (a row with no count weighs 1). */
function weighted(rows: CheckpointRow[], pick: (row: CheckpointRow) => number | null): number | null {
  let sum = 0;
  let weights = 0;
  for (const row of rows) {
    const value = pick(row);
    if (value === null || !Number.isFinite(value)) continue;
    const weight = Math.max(row.requestCount, 1);
    sum += value * weight;
    weights += weight;
  }
  return weights === 0 ? null : sum / weights;
}

/** One entry per key over all instances' rows: EMAs weighted by request count, totals summed. */
export function mergeCheckpoints(rows: CheckpointRow[]): TpsEntry[] {
  const groups = new Map<string, CheckpointRow[]>();
  for (const row of rows) {
    const key = tpsKey(row.endpointId, row.modelId, row.apiKind);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as CheckpointRow;
    return {
      endpointId: first.endpointId,
      model: first.modelId,
      apiKind: first.apiKind as ApiKind,
      tps: weighted(group, (row) => row.tpsEma),
      ttftMs: weighted(group, (row) => row.ttftEmaMs),
      decodeTps: weighted(group, (row) => row.decodeTpsEma),
      requestCount: group.reduce((sum, row) => sum + row.requestCount, 0),
      totalOutputTokens: group.reduce((sum, row) => sum + row.totalOutputTokens, 0),
      totalDurationMs: group.reduce((sum, row) => sum + row.totalDurationMs, 0),
    };
  });
}

/** Entries from one day's daily stats: tps = tokens / (duration_ms / 1000); null when nothing measured. */
export function entriesFromDaily(rows: DailyStatsRow[]): TpsEntry[] {
  const entries = new Map<string, TpsEntry>();
  for (const row of rows) {
    const key = tpsKey(row.endpointId, row.modelId, row.apiKind);
    const entry = entries.get(key) ?? emptyTpsEntry(row.endpointId, row.modelId, row.apiKind as ApiKind);
    entry.requestCount += row.successfulRequests;
    entry.totalOutputTokens += row.totalOutputTokens;
    entry.totalDurationMs += row.totalDurationMs;
    entries.set(key, entry);
  }
  for (const entry of entries.values()) {
    if (entry.totalOutputTokens > 0 && entry.totalDurationMs > 0) {
      entry.tps = entry.totalOutputTokens / (entry.totalDurationMs / 1000);
    }
  }
  return [...entries.values()].filter((entry) => entry.requestCount > 0);
}

/**
 * The state to restore: checkpointed keys first, daily-stats keys only where no checkpoint exists, and for
 * keys already measured since boot the live EMAs win (they are newer) while the totals add up.
 */
export function restoredEntries(checkpoint: TpsEntry[], today: TpsEntry[], live: TpsEntry[]): TpsEntry[] {
  const restored = new Map<string, TpsEntry>();
  for (const entry of checkpoint) restored.set(entryKey(entry), entry);
  for (const entry of today) if (!restored.has(entryKey(entry))) restored.set(entryKey(entry), entry);
  for (const current of live) {
    const key = entryKey(current);
    const old = restored.get(key);
    if (!old) continue;
    restored.set(key, {
      ...current,
      tps: current.tps ?? old.tps,
      ttftMs: current.ttftMs ?? old.ttftMs,
      decodeTps: current.decodeTps ?? old.decodeTps,
      requestCount: current.requestCount + old.requestCount,
      totalOutputTokens: current.totalOutputTokens + old.totalOutputTokens,
      totalDurationMs: current.totalDurationMs + old.totalDurationMs,
    });
  }
  return [...restored.values()];
}
