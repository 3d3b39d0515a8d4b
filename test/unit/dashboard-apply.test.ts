// The dashboard's event rules (web/src/state/apply.ts): what each live event does to what the user sees.
import { describe, expect, it } from "vitest";
import type { CompletionJson } from "../../src/events/types.js";
import { isoTime } from "../../src/http/wire-time.js";
import type { ModelTps } from "../../web/src/api/types.js";
import {
  aggregateTps,
  applyCompletion,
  applyEndpoint,
  applyRemoved,
  applyStatus,
  applyTps,
  countInTimeline,
  type LiveOverview,
  timelineWindow,
} from "../../web/src/state/apply.js";

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

function overview(): LiveOverview {
  return {
    endpoints: [
      {
        id: "a",
        name: "a",
        base_url: "http://a",
        endpoint_type: "ollama",
        status: "online",
        latency_ms: 5,
        total_requests: 3,
        successful_requests: 3,
        failed_requests: 0,
      },
      { id: "b", name: "b", base_url: "http://b", endpoint_type: "vllm", status: "offline", latency_ms: 9 },
    ],
    stats: {
      total_endpoints: 2,
      online_endpoints: 1,
      offline_endpoints: 1,
      total_requests: 3,
      successful_requests: 3,
      failed_requests: 0,
      active_requests: 0,
      queued_requests: 0,
      average_response_time_ms: 100,
      total_input_tokens: 0,
      total_output_tokens: 30,
    },
    history: [],
    endpoint_tps: [
      { endpoint_id: "a", model_count: 1, aggregate_tps: 10, total_output_tokens: 30, total_requests: 3 },
    ],
    generated_at: isoTime(T0),
    generation_time_ms: 0,
  };
}

function completion(overrides: Partial<CompletionJson> = {}): CompletionJson {
  return {
    request_id: "r1",
    finished_at: isoTime(T0 + 30_000),
    endpoint_id: "a",
    endpoint_name: "a",
    model: "m",
    endpoint_model: "m",
    api_kind: "chat_completions",
    status: "success",
    status_code: 200,
    error: null,
    input_tokens: 5,
    output_tokens: 20,
    estimated: false,
    ttft_ms: 50,
    duration_ms: 1000,
    stream: false,
    client_ip: "127.0.0.1",
    api_key_id: null,
    source: "api",
    ...overrides,
  };
}

describe("dashboard event rules", () => {
  it("a completed request counts once in the fleet totals, its endpoint's counters and tokens", () => {
    const next = applyCompletion(
      overview(),
      completion({ status: "error", status_code: 502, output_tokens: 0 }),
    );
    expect(next.stats).toMatchObject({ total_requests: 4, successful_requests: 3, failed_requests: 1 });
    expect(next.endpoints[0]).toMatchObject({
      total_requests: 4,
      successful_requests: 3,
      failed_requests: 1,
    });
    expect(next.endpoints[1]?.total_requests).toBeUndefined();
    const ok = applyCompletion(next, completion());
    expect(ok.stats.total_output_tokens).toBe(50);
    expect(ok.endpoint_tps[0]).toMatchObject({ total_requests: 5, total_output_tokens: 50 });
  });

  it("the timeline is 60 gap-filled minutes and a request lands in its minute, moving the window when newer", () => {
    const window = timelineWindow([{ minute: isoTime(T0), success: 2, error: 1 }], T0 + 5_000);
    expect(window).toHaveLength(60);
    expect(window[59]).toEqual({ minute: T0, success: 2, error: 1 });
    const same = countInTimeline(window, T0 + 10_000, false);
    expect(same[59]).toEqual({ minute: T0, success: 2, error: 2 });
    const later = countInTimeline(same, T0 + 3 * 60_000 + 1, true);
    expect(later).toHaveLength(60);
    expect(later[59]).toEqual({ minute: T0 + 180_000, success: 1, error: 0 });
    expect(later[56]).toEqual({ minute: T0, success: 2, error: 2 });
  });

  it("TpsUpdated sets the row to the tracker's figures after the update; a new model gets a row", () => {
    const LEARNED = {
      curve: [{ in_flight: 2, mean_in_flight: 1.8, decode_tps: 44, ttft_ms: 110, requests: 1 }],
      slots: 8,
      solo_decode_tps: null,
      prefill_tps: null,
      prefill_base_ms: null,
      load_ms: null,
      loaded: null,
      last_seen_at: "2026-11-30T00:00:00.005Z" as const,
    };
    const rows: ModelTps[] = [
      {
        model_id: "m",
        api_kind: "chat_completions",
        tps: 40,
        request_count: 2,
        total_output_tokens: 80,
        average_duration_ms: 1000,
        ttft_ms: 100,
        decode_tps: 45,
        load: null,
      },
    ];
    const next = applyTps(rows, {
      endpoint_id: "a",
      model_id: "m",
      api_kind: "chat_completions",
      tps: 42.5,
      output_tokens: 40,
      duration_ms: 4000,
      request_count: 3,
      total_output_tokens: 120,
      average_duration_ms: 2000,
      ttft_ms: 110,
      decode_tps: 44,
      load: LEARNED,
    });
    expect(next).toHaveLength(1);
    expect(next[0]).toEqual({
      model_id: "m",
      api_kind: "chat_completions",
      tps: 42.5,
      request_count: 3,
      total_output_tokens: 120,
      average_duration_ms: 2000,
      ttft_ms: 110,
      decode_tps: 44,
      load: LEARNED,
    });
    const added = applyTps(next, {
      endpoint_id: "a",
      model_id: "e",
      api_kind: "embeddings",
      tps: null,
      output_tokens: 0,
      duration_ms: 10,
      request_count: 1,
      total_output_tokens: 0,
      average_duration_ms: 10,
      ttft_ms: 10,
      decode_tps: null,
      load: null,
    });
    expect(added).toHaveLength(2);
    expect(added[1]).toMatchObject({ model_id: "e", tps: null, request_count: 1, ttft_ms: 10 });
    expect(aggregateTps(added)).toBe(42.5);
    expect(aggregateTps([])).toBeNull();
  });

  it("status changes, registrations and removals keep the online/total counts right", () => {
    const up = applyStatus(overview(), {
      endpoint_id: "b",
      old_status: "offline",
      new_status: "online",
      latency_ms: 7,
      last_error: null,
    });
    expect(up.stats).toMatchObject({ online_endpoints: 2, total_endpoints: 2 });
    expect(up.endpoints[1]).toMatchObject({ status: "online", latency_ms: 7 });
    const down = applyStatus(up, {
      endpoint_id: "a",
      old_status: "online",
      new_status: "error",
      latency_ms: null,
      last_error: "refused",
    });
    expect(down.endpoints[0]).toMatchObject({ status: "error", latency_ms: 5, last_error: "refused" });
    const added = applyEndpoint(down, {
      endpoint_id: "c",
      name: "c",
      base_url: "http://c",
      endpoint_type: "vllm",
      status: "pending",
    });
    expect(added.stats.total_endpoints).toBe(3);
    const renamed = applyEndpoint(added, {
      endpoint_id: "c",
      name: "c2",
      base_url: "http://c",
      endpoint_type: "vllm",
      status: "online",
    });
    expect(renamed.endpoints.map((e) => e.name)).toEqual(["a", "b", "c2"]);
    expect(renamed.stats.online_endpoints).toBe(2);
    const removed = applyRemoved(renamed, "a");
    expect(removed.stats).toMatchObject({ total_endpoints: 2, online_endpoints: 2 });
    expect(removed.endpoint_tps).toEqual([]);
  });
});
