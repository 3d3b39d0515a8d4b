import { describe, expect, it } from "vitest";
import type { CompletionRecord } from "../../src/events/types.js";
import {
  attemptsText,
  createPendingWrites,
  dailyOf,
  HISTORY_COLUMNS,
  historyOf,
  historyRequestId,
  utcDate,
} from "../../src/stats/pending-writes.js";
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

  it("writes each history value under its own column (bodies, flags, attempts and rounded times)", () => {
    const record = completion({
      request_id: "r9",
      stream: true,
      estimated: true,
      ttft_ms: 12.6,
      duration_ms: 99.4,
    });
    const row = historyOf(record, {
      attempts: [{ endpoint_id: "e0", endpoint_name: "gpu0", status_code: 502, error: "bad gateway" }],
      bodies: { request: "{}", response: "hi", requestTruncated: false, responseTruncated: true },
    });
    expect(row).toHaveLength(HISTORY_COLUMNS.length);
    expect(Object.fromEntries(HISTORY_COLUMNS.map((column, i) => [column, row[i]]))).toEqual({
      requestId: "r9",
      createdAt: NOW,
      endpointId: record.endpoint_id,
      endpointName: record.endpoint_name,
      model: record.model,
      apiKind: record.api_kind,
      stream: 1,
      status: "success",
      statusCode: record.status_code,
      error: null,
      durationMs: 99,
      ttftMs: 13,
      inputTokens: record.input_tokens,
      outputTokens: record.output_tokens,
      tokensEstimated: 1,
      clientIp: record.client_ip,
      apiKeyId: record.api_key_id,
      source: record.source,
      requestBody: "{}",
      responseBody: "hi",
      requestBodyTruncated: 0,
      responseBodyTruncated: 1,
      attempts: JSON.stringify([
        { endpoint_id: "e0", endpoint_name: "gpu0", status_code: 502, error: "bad gateway" },
      ]),
    });
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
    expect(batch?.history.map(historyRequestId)).toEqual(["r0", "r1", "r2"]);
    expect(pending.waitingRows).toBe(4);
    // In flight still counts as unwritten until settled.
    expect(pending.counters("e1")?.totalRequests).toBe(6);
    pending.settle();
    expect(pending.counters("e1")).toBeUndefined();
    expect(pending.take(10)?.history.map(historyRequestId)).toEqual(["r3", "r4", "bad", "none"]);
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
    expect(pending.take(10)?.history.map(historyRequestId)).toEqual(["a2", "b0", "b1"]);
  });

  it("a long outage keeps exactly the newest rows, oldest first, and dates every request by its own UTC day", () => {
    const pending = createPendingWrites(2000);
    let dropped = 0;
    for (let i = 0; i < 5000; i++) dropped += pending.add(completion({ request_id: `r${i}` }));
    expect(dropped).toBe(3000);
    expect(pending.waitingRows).toBe(2000);
    const rows = pending.take(5000)?.history.map(historyRequestId) ?? [];
    expect(rows).toEqual(Array.from({ length: 2000 }, (_, i) => `r${3000 + i}`));
    pending.settle();

    for (const at of [NOW, NOW + 1000, NOW]) pending.add(completion({ finished_at: at }));
    expect(pending.daily("e1").map((row) => [row.date, row.totalRequests])).toEqual([
      ["2026-11-22", 2],
      ["2026-11-23", 1],
    ]);
  });

  it("writes the attempts column as the JSON of the attempts, the shared text of a one-attempt answer included", () => {
    const one = (name: string, status: number | null, error: string | null = null) => [
      { endpoint_id: "e7", endpoint_name: name, status_code: status, error },
    ];
    expect(attemptsText([])).toBeNull();
    for (const attempts of [
      one("gpu7", 200),
      one("gpu7", 200),
      one("gpu7-renamed", 200),
      one("gpu7-renamed", 201),
      one("gpu7-renamed", 201, "cut off"),
      one("gpu7", 200),
      [...one("gpu6", 502, "bad gateway"), ...one("gpu7", 200)],
    ]) {
      expect(attemptsText(attempts)).toBe(JSON.stringify(attempts));
    }
    // A text given out once is not changed by what happens to the attempt object afterwards.
    const attempts = one("gpu8", 200);
    const text = attemptsText(attempts);
    (attempts[0] as { status_code: number | null }).status_code = 500;
    expect(attemptsText(one("gpu8", 200))).toBe(text);
    expect(attemptsText(attempts)).toBe(JSON.stringify(attempts));
  });
});
