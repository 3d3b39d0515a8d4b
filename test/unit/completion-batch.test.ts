import { describe, expect, it } from "vitest";
import {
  compactRequestId,
  completionBatch,
  completionsOf,
  expandRequestId,
} from "../../src/events/completion-batch.js";
import { COMPLETION_ROW_COLUMNS, type CompletionRecord } from "../../src/events/types.js";
import { isoTime } from "../../src/http/wire-time.js";
import { completion } from "../fixtures/completions.js";

/** A record with realistic ids and fractional timings (what the batch must carry exactly). */
function record(overrides: Partial<CompletionRecord> = {}): CompletionRecord {
  return completion({
    request_id: "0b6f6a8e-6a0c-4f0e-9a7b-1c2d3e4f5a6b",
    finished_at: Date.UTC(2026, 11, 1, 5, 0, 0, 123),
    endpoint_id: "5f1c7d0e-2b8a-4c39-9e61-0d4a7b3c2e19",
    ttft_ms: 1.23,
    duration_ms: 3.45,
    concurrency: 12.5,
    api_key_id: "9d2e4f6a-8b0c-4d1e-a3f5-7b9c1d3e5f70",
    ...overrides,
  });
}

/** What a reader of the batch must get back: the record with its instant in the wire form. */
const asJson = (r: CompletionRecord) => ({
  ...r,
  finished_at: isoTime(r.finished_at),
  concurrency: r.concurrency ?? null,
});

describe("RequestsCompleted batches", () => {
  it("gives back every record exactly, in the order they finished, across groups", () => {
    const records = [
      record({ request_id: "a", finished_at: Date.UTC(2026, 11, 1, 5, 0, 0, 100) }),
      record({
        request_id: "b",
        finished_at: Date.UTC(2026, 11, 1, 5, 0, 0, 101),
        status: "error",
        status_code: 502,
        error: "upstream said no",
        output_tokens: 0,
        ttft_ms: null,
      }),
      record({
        request_id: "c",
        finished_at: Date.UTC(2026, 11, 1, 5, 0, 0, 104),
        api_key_id: null,
        client_ip: null,
        concurrency: undefined,
      }),
      record({
        request_id: "d",
        finished_at: Date.UTC(2026, 11, 1, 5, 0, 0, 107),
        endpoint_id: null,
        endpoint_name: null,
        endpoint_model: null,
        stream: true,
        estimated: true,
        source: "playground",
      }),
      record({
        request_id: "e",
        finished_at: Date.UTC(2026, 11, 1, 5, 0, 0, 109),
        input_tokens: 1,
        duration_ms: 0.5,
      }),
    ];
    const batch = JSON.parse(JSON.stringify(completionBatch(records)));
    expect(batch.columns).toEqual([...COMPLETION_ROW_COLUMNS]);
    // a and e share every group field; b, c and d each differ in one.
    expect(batch.groups.map((group: { rows: unknown[] }) => group.rows.length)).toEqual([2, 1, 1, 1]);
    expect(completionsOf(batch)).toEqual(records.map(asJson));
  });

  it("keeps records whose clock stepped back before the batch's first one", () => {
    const records = [
      record({ request_id: "late", finished_at: 5_000 }),
      record({ request_id: "early", finished_at: 4_990 }),
    ];
    expect(completionsOf(completionBatch(records))).toEqual([
      asJson(records[1] as CompletionRecord),
      asJson(records[0] as CompletionRecord),
    ]);
  });

  it("carries generated request ids as ~ and their 16 bytes in base64url, and gives them back whole", () => {
    const ids = Array.from({ length: 200 }, () => crypto.randomUUID());
    for (const id of ids) {
      const compact = compactRequestId(id);
      expect(compact).toBe(`~${Buffer.from(id.replace(/-/g, ""), "hex").toString("base64url")}`);
      expect(expandRequestId(compact)).toBe(id);
    }
    const records = ids.map((id, i) => record({ request_id: id, finished_at: 1_764_565_200_000 + i }));
    const batch = JSON.parse(JSON.stringify(completionBatch(records)));
    expect(batch.groups[0].rows[0][0]).toHaveLength(23);
    expect(completionsOf(batch).map((r: { request_id: string }) => r.request_id)).toEqual(ids);
  });

  it("carries any other request id as it is", () => {
    const others = [
      "client-id-42",
      "0B6F6A8E-6A0C-4F0E-9A7B-1C2D3E4F5A6B", // upper case: not what llmlb generates
      "bench-0b6f6a8e-6a0c-4f0e-9a7b-1c2d3e4f5a6b",
      "0b6f6a8e6a0c4f0e9a7b1c2d3e4f5a6b", // no hyphens
      "abcdefghijklmnopqrstuvw", // 23 characters, but no ~
    ];
    for (const id of others) {
      expect(compactRequestId(id)).toBe(id);
      expect(expandRequestId(id)).toBe(id);
    }
    const records = others.map((id, i) => record({ request_id: id, finished_at: 5_000 + i }));
    expect(completionsOf(JSON.parse(JSON.stringify(completionBatch(records))))).toEqual(records.map(asJson));
  });

  it("costs a reading client under 60 bytes a request when requests share endpoint, model and key", () => {
    const records = Array.from({ length: 150 }, (_, i) =>
      record({
        request_id: crypto.randomUUID(),
        finished_at: 1_764_565_200_000 + i / 6,
        output_tokens: 300 + i,
      }),
    ).map((r) => ({ ...r, finished_at: Math.round(r.finished_at) }));
    const bytes = JSON.stringify(completionBatch(records)).length;
    const oneByOne = records.reduce((sum, r) => sum + JSON.stringify(asJson(r)).length, 0);
    expect(bytes / records.length).toBeLessThan(60);
    expect(oneByOne / records.length).toBeGreaterThan(450);
  });
});
