// The CLI's own arithmetic: bench's summary of samples (percentiles, throughput, token source) and key
// expiry parsing — what `llmlb bench` and `llmlb keys create --expires` print and send.
import { describe, expect, it } from "vitest";
import { type BenchSample, summarize } from "../../src/cli/commands/bench.js";
import { parseExpiry } from "../../src/cli/commands/keys.js";

const ok = (ttft: number, tokens: number, decode: number, fromUsage = true): BenchSample => ({
  ok: true,
  error: null,
  ttft_ms: ttft,
  duration_ms: ttft + 1000,
  output_tokens: tokens,
  tokens_from_usage: fromUsage,
  decode_tps: decode,
});
const failed = (error: string): BenchSample => ({
  ok: false,
  error,
  ttft_ms: null,
  duration_ms: 5,
  output_tokens: 0,
  tokens_from_usage: false,
  decode_tps: null,
});

describe("bench summary", () => {
  it("takes nearest-rank percentiles over successful requests and throughput over the wall time", () => {
    const samples = [ok(100, 50, 40), ok(300, 50, 60), ok(200, 50, 50), ok(400, 50, 70), failed("502 bad")];
    expect(summarize(samples, 2000)).toEqual({
      requests: 5,
      succeeded: 4,
      failed: 1,
      errors: ["502 bad"],
      ttft_ms_p50: 200,
      ttft_ms_p95: 400,
      decode_tps_p50: 50,
      output_tokens: 200,
      tokens_from_usage: true,
      wall_secs: 2,
      throughput_tps: 100,
    });
  });

  it("says when any token count was estimated from chunks, and has no figures without successes", () => {
    expect(summarize([ok(10, 5, 1), ok(10, 5, 1, false)], 1000).tokens_from_usage).toBe(false);
    const none = summarize([failed("timeout"), failed("timeout")], 0);
    expect(none).toMatchObject({ succeeded: 0, errors: ["timeout"], ttft_ms_p50: null, throughput_tps: 0 });
    expect(none.tokens_from_usage).toBe(false);
  });
});

describe("key expiry", () => {
  const now = Date.UTC(2026, 0, 1);
  it("reads <days>d from now and ISO-8601 dates", () => {
    expect(parseExpiry("30d", now)).toBe(now + 30 * 86_400_000);
    expect(parseExpiry("2026-03-01T12:00:00Z", now)).toBe(Date.UTC(2026, 2, 1, 12));
  });
  it("refuses anything else as bad usage (exit 2)", () => {
    expect(() => parseExpiry("next week", now)).toThrow(/neither <days>d nor an ISO-8601 date/);
    let caught: unknown;
    try {
      parseExpiry("soon", now);
    } catch (error) {
      caught = error;
    }
    expect((caught as { exitCode?: number } | undefined)?.exitCode).toBe(2);
  });
});
