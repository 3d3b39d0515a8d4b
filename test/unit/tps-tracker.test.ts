import { describe, expect, it } from "vitest";
import { createTpsTracker } from "../../src/balancer/tps-tracker.js";
import { completion } from "../fixtures/completions.js";

describe("TPS tracker", () => {
  it("takes the first sample as is: 100 tokens in 2000 ms → 50 tok/s", () => {
    const tracker = createTpsTracker();
    const entry = tracker.observe(completion());
    expect(entry?.tps).toBe(50);
    expect(entry?.model).toBe("llama3:8b");
    expect(entry?.ttftMs).toBe(200);
    // 99 tokens after the first, in 1.8 s after the first byte.
    expect(entry?.decodeTps).toBeCloseTo(55, 6);
  });

  it("smooths later samples with α = 0.2", () => {
    const tracker = createTpsTracker();
    tracker.observe(completion());
    const entry = tracker.observe(completion({ output_tokens: 100, duration_ms: 1000 }));
    // 50 + 0.2 × (100 − 50)
    expect(entry?.tps).toBeCloseTo(60, 9);
    expect(entry?.requestCount).toBe(2);
    expect(entry?.totalOutputTokens).toBe(200);
    expect(entry?.totalDurationMs).toBe(3000);
  });

  it("ignores failures and leaves tps unmeasured for zero-token successes", () => {
    const tracker = createTpsTracker();
    expect(tracker.observe(completion({ status: "error", status_code: 502 }))).toBeUndefined();
    const embedding = tracker.observe(
      completion({ api_kind: "embeddings", output_tokens: 0, stream: false, ttft_ms: 30, duration_ms: 30 }),
    );
    expect(embedding?.tps).toBeNull();
    expect(embedding?.decodeTps).toBeNull();
    expect(embedding?.ttftMs).toBe(30);
    expect(tracker.speedOf("e1", "llama3:8b", "chat_completions")).toBeUndefined();
  });

  it("keys by endpoint, endpoint model and api kind", () => {
    const tracker = createTpsTracker();
    tracker.observe(completion());
    tracker.observe(completion({ endpoint_id: "e2" }));
    tracker.observe(completion({ api_kind: "completions" }));
    expect(tracker.entries()).toHaveLength(3);
    expect(tracker.entries("e1").map((entry) => entry.apiKind)).toEqual(["chat_completions", "completions"]);
    tracker.forget("e1");
    expect(tracker.entries().map((entry) => entry.endpointId)).toEqual(["e2"]);
  });

  it("restores checkpointed entries and continues the EMA from them", () => {
    const tracker = createTpsTracker();
    tracker.restore([
      {
        endpointId: "e1",
        model: "llama3:8b",
        apiKind: "chat_completions",
        tps: 40,
        ttftMs: 100,
        decodeTps: 45,
        requestCount: 5,
        totalOutputTokens: 500,
        totalDurationMs: 12_500,
      },
    ]);
    const entry = tracker.observe(completion({ output_tokens: 90, duration_ms: 1000 }));
    expect(entry?.tps).toBeCloseTo(40 + 0.2 * (90 - 40), 9);
    expect(entry?.requestCount).toBe(6);
  });
});
