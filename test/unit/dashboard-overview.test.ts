import { describe, expect, it } from "vitest";
import type { TpsEntry } from "../../src/balancer/tps-tracker.js";
import { createMetricsPublisher } from "../../src/dashboard/metrics-publisher.js";
import { buildStats, metricsSnapshot, summarizeEndpointTps } from "../../src/dashboard/overview.js";
import { createEventBus } from "../../src/events/bus.js";
import type { MetricsSnapshot, PublishedEvent } from "../../src/events/types.js";
import type { EndpointRecord } from "../../src/registry/types.js";

const entry = (
  endpointId: string,
  model: string,
  apiKind: TpsEntry["apiKind"],
  tps: number | null,
  n = 1,
) => ({
  endpointId,
  model,
  apiKind,
  tps,
  ttftMs: null,
  decodeTps: null,
  requestCount: n,
  totalOutputTokens: n * 100,
  totalDurationMs: n * 1000,
});

const endpoint = (id: string, status: EndpointRecord["status"]) => ({ id, status }) as EndpointRecord;

describe("endpoint TPS summaries", () => {
  it("counts distinct models and sums each model's best tps across api kinds", () => {
    const summaries = summarizeEndpointTps(
      ["a", "b", "c"],
      [
        entry("a", "llama", "chat_completions", 40.04),
        entry("a", "llama", "completions", 50.02, 2),
        entry("a", "qwen", "chat_completions", 10),
        entry("a", "embed", "embeddings", null),
        entry("b", "llama", "chat_completions", null),
        entry("gone", "llama", "chat_completions", 99),
      ],
    );
    expect(summaries).toEqual([
      { endpoint_id: "a", model_count: 3, aggregate_tps: 60, total_output_tokens: 500, total_requests: 5 },
      { endpoint_id: "b", model_count: 1, aggregate_tps: null, total_output_tokens: 100, total_requests: 1 },
      { endpoint_id: "c", model_count: 0, aggregate_tps: null, total_output_tokens: 0, total_requests: 0 },
    ]);
  });
});

describe("overview stats", () => {
  it("counts online and unreachable endpoints and carries live load and totals", () => {
    const stats = buildStats({
      endpoints: [
        endpoint("a", "online"),
        endpoint("b", "offline"),
        endpoint("c", "error"),
        endpoint("d", "pending"),
      ],
      totals: {
        total_requests: 7,
        successful_requests: 5,
        failed_requests: 2,
        total_input_tokens: 70,
        total_output_tokens: 500,
      },
      activeRequests: 3,
      queuedRequests: 1,
      averageResponseTimeMs: 123.456,
    });
    expect(stats).toEqual({
      total_endpoints: 4,
      online_endpoints: 1,
      offline_endpoints: 2,
      total_requests: 7,
      successful_requests: 5,
      failed_requests: 2,
      total_input_tokens: 70,
      total_output_tokens: 500,
      active_requests: 3,
      queued_requests: 1,
      average_response_time_ms: 123.5,
    });
    expect(metricsSnapshot(stats)).toEqual({
      total_requests: 7,
      successful_requests: 5,
      failed_requests: 2,
      active_requests: 3,
      queued_requests: 1,
      online_endpoints: 1,
      total_endpoints: 4,
      average_response_time_ms: 123.5,
      total_output_tokens: 500,
    });
  });
});

describe("MetricsUpdated publisher", () => {
  it("publishes only when the snapshot changed since the last publish", () => {
    const bus = createEventBus({ now: () => 0 });
    const seen: PublishedEvent[] = [];
    bus.subscribe((event) => seen.push(event));
    const snapshot: MetricsSnapshot = {
      total_requests: 0,
      successful_requests: 0,
      failed_requests: 0,
      active_requests: 0,
      queued_requests: 0,
      online_endpoints: 0,
      total_endpoints: 0,
      average_response_time_ms: null,
      total_output_tokens: 0,
    };
    const publisher = createMetricsPublisher(bus, () => ({ ...snapshot }));
    expect(publisher.tick()).toBe(true);
    expect(publisher.tick()).toBe(false);
    snapshot.active_requests = 1;
    expect(publisher.tick()).toBe(true);
    expect(publisher.tick()).toBe(false);
    expect(
      seen.map((event) => [event.type, event.type === "MetricsUpdated" && event.data.active_requests]),
    ).toEqual([
      ["MetricsUpdated", 0],
      ["MetricsUpdated", 1],
    ]);
  });
});
