import { describe, expect, it } from "vitest";
import { type BenchmarkSample, endpointResult, percentile } from "../../src/benchmarks/figures.js";

const sample = (overrides: Partial<BenchmarkSample>): BenchmarkSample => ({
  endpointId: "a",
  ok: true,
  startedAt: 0,
  endedAt: 1000,
  ttftMs: 100,
  outputTokens: 50,
  decodeTps: 55,
  ...overrides,
});

describe("benchmark figures", () => {
  it("takes nearest-rank percentiles", () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });

  it("reports throughput over the endpoint's whole span and excludes failed requests from speeds", () => {
    const result = endpointResult("a", "gpu", [
      sample({ startedAt: 0, endedAt: 1000, ttftMs: 100, decodeTps: 50 }),
      sample({ startedAt: 1000, endedAt: 2000, ttftMs: 300, decodeTps: 70 }),
      sample({ ok: false, startedAt: 2000, endedAt: 2500, ttftMs: null, outputTokens: 0, decodeTps: null }),
    ]);
    expect(result).toEqual({
      endpoint_id: "a",
      endpoint_name: "gpu",
      requests: 3,
      errors: 1,
      ttft_ms_p50: 100,
      ttft_ms_p95: 300,
      decode_tps: 60,
      // 100 tokens over 2.5 s, from the first request sent to the last one finished.
      tps: 40,
      output_tokens: 100,
    });
  });

  it("has nulls where nothing was measured", () => {
    const result = endpointResult("a", "gpu", []);
    expect(result).toMatchObject({ requests: 0, ttft_ms_p50: null, decode_tps: null, tps: null });
  });
});
