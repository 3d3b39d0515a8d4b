import { describe, expect, it } from "vitest";
import type { TpsEntry } from "../../src/balancer/tps-tracker.js";
import {
  type CheckpointRow,
  entriesFromDaily,
  mergeCheckpoints,
  restoredEntries,
} from "../../src/stats/tps-restore.js";
import type { DailyStatsRow } from "../../src/stats/types.js";

const row = (overrides: Partial<CheckpointRow>): CheckpointRow => ({
  instanceId: "a",
  endpointId: "e1",
  modelId: "m",
  apiKind: "chat_completions",
  tpsEma: 40,
  ttftEmaMs: 100,
  decodeTpsEma: null,
  requestCount: 10,
  totalOutputTokens: 1000,
  totalDurationMs: 20_000,
  ...overrides,
});

const daily = (overrides: Partial<DailyStatsRow>): DailyStatsRow => ({
  endpointId: "e1",
  modelId: "m",
  date: "2026-11-22",
  apiKind: "chat_completions",
  totalRequests: 1,
  successfulRequests: 1,
  failedRequests: 0,
  totalInputTokens: 5,
  totalOutputTokens: 100,
  totalDurationMs: 2000,
  ...overrides,
});

const entry = (overrides: Partial<TpsEntry>): TpsEntry => ({
  endpointId: "e1",
  model: "m",
  apiKind: "chat_completions",
  tps: null,
  ttftMs: null,
  decodeTps: null,
  requestCount: 0,
  totalOutputTokens: 0,
  totalDurationMs: 0,
  ...overrides,
});

describe("TPS restore", () => {
  it("merges instances' checkpoints weighted by request count, summing totals", () => {
    const [merged] = mergeCheckpoints([
      row({}),
      row({ instanceId: "b", tpsEma: 70, ttftEmaMs: null, requestCount: 30, decodeTpsEma: 9 }),
    ]);
    expect(merged?.tps).toBeCloseTo((40 * 10 + 70 * 30) / 40, 9);
    expect(merged?.ttftMs).toBe(100);
    expect(merged?.decodeTps).toBe(9);
    expect(merged?.requestCount).toBe(40);
    expect(merged?.totalOutputTokens).toBe(2000);
  });

  it("rebuilds from daily stats: 100 tokens in 2000 ms is 50 tok/s; nothing measured stays null", () => {
    const entries = entriesFromDaily([
      daily({}),
      daily({ modelId: "embed", apiKind: "embeddings", totalOutputTokens: 0, totalDurationMs: 0 }),
    ]);
    expect(entries.find((e) => e.model === "m")?.tps).toBe(50);
    expect(entries.find((e) => e.model === "embed")?.tps).toBeNull();
    expect(
      entriesFromDaily([daily({ successfulRequests: 0, failedRequests: 1, totalOutputTokens: 0 })]),
    ).toEqual([]);
  });

  it("prefers the checkpoint over daily stats, and live EMAs over both while adding totals", () => {
    const checkpoint = [entry({ tps: 42, requestCount: 5 })];
    const today = [entry({ tps: 50, requestCount: 1 }), entry({ model: "other", tps: 7, requestCount: 1 })];
    const live = [entry({ ttftMs: 80, requestCount: 2 })];
    const restored = restoredEntries(checkpoint, today, live);
    expect(restored.find((e) => e.model === "m")).toMatchObject({ tps: 42, ttftMs: 80, requestCount: 7 });
    expect(restored.find((e) => e.model === "other")?.tps).toBe(7);
  });
});
