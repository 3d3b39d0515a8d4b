import { describe, expect, it } from "vitest";
import { dailyTps, mergeDailyRows, oneDay, perDay, perModel } from "../../src/stats/daily-report.js";
import type { DailyStatsRow } from "../../src/stats/types.js";

const row = (overrides: Partial<DailyStatsRow>): DailyStatsRow => ({
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

describe("daily report", () => {
  it("daily TPS is tokens / (ms / 1000), one decimal; null without tokens or time", () => {
    expect(dailyTps(100, 2000)).toBe(50);
    expect(dailyTps(100, 3000)).toBe(33.3);
    expect(dailyTps(0, 2000)).toBeNull();
    expect(dailyTps(10, 0)).toBeNull();
  });

  it("adds unwritten rows to stored ones per key, then totals per day and per model", () => {
    const rows = mergeDailyRows(
      [row({}), row({ date: "2026-11-21", modelId: "x", totalOutputTokens: 30, totalDurationMs: 1000 })],
      [row({ failedRequests: 1, successfulRequests: 0, totalOutputTokens: 0, totalDurationMs: 0 })],
    );
    expect(rows).toHaveLength(2);
    expect(perDay(rows).map((day) => [day.date, day.total_requests, day.failed_requests, day.tps])).toEqual([
      ["2026-11-21", 1, 0, 30],
      ["2026-11-22", 2, 1, 50],
    ]);
    expect(perModel(rows).map((model) => model.model_id)).toEqual(["m", "x"]);
    expect(oneDay(rows, "2026-11-23")).toMatchObject({ total_requests: 0, tps: null });
  });
});
