import { describe, expect, it } from "vitest";
import type { CompletionRecord } from "../../src/events/types.js";
import { createPendingWrites, dailyOf, utcDate } from "../../src/stats/pending-writes.js";
import { completion as completionAt } from "../fixtures/completions.js";

const NOW = Date.UTC(2026, 10, 22, 23, 59, 59);

/** A completion finished at NOW (a second before midnight UTC). */
const completion = (overrides: Partial<CompletionRecord> = {}): CompletionRecord =>
  completionAt({ finished_at: NOW, ...overrides });

describe("pending writes", () => {
  it("keys daily stats by the endpoint's model id and the UTC date; tokens and time only from successes", () => {
    expect(utcDate(NOW)).toBe("2026-11-22");
    expect(utcDate(NOW + 1000)).toBe("2026-11-23");
    expect(dailyOf(completion(), "e1")).toMatchObject({
      modelId: "llama3:8b",
      date: "2026-11-22",
      totalOutputTokens: 100,
      totalDurationMs: 2000,
    });
    const failed = dailyOf(completion({ status: "error", output_tokens: 7 }), "e1");
    expect(failed).toMatchObject({ failedRequests: 1, totalOutputTokens: 0, totalDurationMs: 0 });
    expect(dailyOf(completion({ endpoint_model: null }), "e1").modelId).toBe("llama3");
  });

  it("aggregates one delta per key per batch, and takes history rows oldest first", () => {
    const pending = createPendingWrites(100);
    for (let i = 0; i < 5; i++) pending.add(completion({ request_id: `r${i}` }));
    pending.add(completion({ status: "error", request_id: "bad" }));
    pending.add(completion({ endpoint_id: null, endpoint_model: null, request_id: "none" }));
    expect(pending.counters("e1")).toMatchObject({
      totalRequests: 6,
      successfulRequests: 5,
      failedRequests: 1,
    });
    const batch = pending.take(3);
    expect(batch?.counters.size).toBe(1);
    expect(batch?.daily.size).toBe(1);
    expect([...(batch?.daily.values() ?? [])][0]).toMatchObject({ totalRequests: 6, totalOutputTokens: 500 });
    expect(batch?.history.map((row) => row.requestId)).toEqual(["r0", "r1", "r2"]);
    expect(pending.waitingRows).toBe(4);
    // In flight still counts as unwritten until settled.
    expect(pending.counters("e1")?.totalRequests).toBe(6);
    pending.settle();
    expect(pending.counters("e1")).toBeUndefined();
    expect(pending.take(10)?.history.map((row) => row.requestId)).toEqual(["r3", "r4", "bad", "none"]);
  });

  it("on a failed write puts everything back; when full drops the oldest history rows but keeps aggregates", () => {
    const pending = createPendingWrites(3);
    for (let i = 0; i < 3; i++) expect(pending.add(completion({ request_id: `a${i}` }))).toBe(0);
    pending.take(10);
    expect(pending.add(completion({ request_id: "b0" }))).toBe(0);
    expect(pending.add(completion({ request_id: "b1" }))).toBe(0);
    expect(pending.putBack()).toBe(2);
    expect(pending.counters("e1")?.totalRequests).toBe(5);
    expect(pending.daily("e1")[0]?.totalRequests).toBe(5);
    expect(pending.take(10)?.history.map((row) => row.requestId)).toEqual(["a2", "b0", "b1"]);
  });

  it("a long outage keeps exactly the newest rows, oldest first, and dates every request by its own UTC day", () => {
    const pending = createPendingWrites(2000);
    let dropped = 0;
    for (let i = 0; i < 5000; i++) dropped += pending.add(completion({ request_id: `r${i}` }));
    expect(dropped).toBe(3000);
    expect(pending.waitingRows).toBe(2000);
    const rows = pending.take(5000)?.history.map((row) => row.requestId) ?? [];
    expect(rows).toEqual(Array.from({ length: 2000 }, (_, i) => `r${3000 + i}`));
    pending.settle();

    for (const at of [NOW, NOW + 1000, NOW]) pending.add(completion({ finished_at: at }));
    expect(pending.daily("e1").map((row) => [row.date, row.totalRequests])).toEqual([
      ["2026-11-22", 2],
      ["2026-11-23", 1],
    ]);
  });
});
