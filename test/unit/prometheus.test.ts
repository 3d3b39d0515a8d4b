import { describe, expect, it } from "vitest";
import type { CompletionRecord } from "../../src/events/types.js";
import { type MetricsSources, metricsFamilies } from "../../src/metrics/exposition.js";
import { escapeHelp, escapeLabelValue, renderExposition } from "../../src/metrics/prom-text.js";
import { createRequestMetrics } from "../../src/metrics/request-metrics.js";
import type { EndpointRecord } from "../../src/registry/types.js";
import { completion } from "../fixtures/completions.js";

/** A completion on endpoint "gpu-1" serving "llama" as "llama:8b". */
const record = (overrides: Partial<CompletionRecord> = {}): CompletionRecord =>
  completion({ endpoint_name: "gpu-1", model: "llama", endpoint_model: "llama:8b", ...overrides });

function endpoint(overrides: Partial<EndpointRecord> = {}): EndpointRecord {
  return {
    id: "e1",
    name: "gpu-1",
    baseUrl: "http://10.0.0.1:11434",
    endpointType: "ollama",
    status: "online",
    latencyMs: 12,
    lastSeen: 0,
    lastError: null,
    errorCount: 0,
    healthCheckIntervalSecs: 30,
    inferenceTimeoutSecs: 120,
    maxConcurrency: null,
    notes: null,
    registeredAt: 0,
    updatedAt: 0,
    hasApiKey: false,
    ...overrides,
  };
}

const lines = (text: string, prefix: string) => text.split("\n").filter((line) => line.startsWith(prefix));

describe("Prometheus text format", () => {
  it("escapes backslash, double quote and newline in label values, and backslash and newline in HELP", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('say "hi"\\\nbye')).toBe('say "hi"\\\\\\nbye');
  });

  it("renders HELP and TYPE before the samples, and cumulative histogram buckets with +Inf, sum and count", () => {
    const text = renderExposition([
      { name: "x_total", help: "Things.", type: "counter", samples: [{ labels: { a: 'q"' }, value: 3 }] },
      {
        name: "d_seconds",
        help: "Durations.",
        type: "histogram",
        bounds: [1, 5],
        series: [{ labels: { k: "v" }, bucketCounts: [2, 1, 1], sum: 12.5, count: 4 }],
      },
    ]);
    expect(text).toBe(
      [
        "# HELP x_total Things.",
        "# TYPE x_total counter",
        'x_total{a="q\\""} 3',
        "# HELP d_seconds Durations.",
        "# TYPE d_seconds histogram",
        'd_seconds_bucket{k="v",le="1"} 2',
        'd_seconds_bucket{k="v",le="5"} 3',
        'd_seconds_bucket{k="v",le="+Inf"} 4',
        'd_seconds_sum{k="v"} 12.5',
        'd_seconds_count{k="v"} 4',
        "",
      ].join("\n"),
    );
  });
});

describe("request metrics", () => {
  it("counts requests by outcome, sums tokens and buckets TTFT and duration in seconds", () => {
    const metrics = createRequestMetrics();
    metrics.observe(record());
    metrics.observe(record({ output_tokens: 50, input_tokens: 5, duration_ms: 400, ttft_ms: 40 }));
    metrics.observe(
      record({ status: "error", status_code: 502, output_tokens: 0, ttft_ms: null, duration_ms: 30 }),
    );
    metrics.observe(
      record({ endpoint_id: null, endpoint_name: null, endpoint_model: null, status: "error" }),
    );
    const text = renderExposition(metrics.families());
    const base = 'endpoint_id="e1",endpoint="gpu-1",model="llama:8b",api_kind="chat_completions"';
    expect(lines(text, "llmlb_requests_total")).toEqual([
      `llmlb_requests_total{${base},outcome="success"} 2`,
      `llmlb_requests_total{${base},outcome="error"} 1`,
      'llmlb_requests_total{endpoint_id="",endpoint="",model="llama",api_kind="chat_completions",outcome="error"} 1',
    ]);
    expect(lines(text, `llmlb_output_tokens_total{${base}}`)).toEqual([
      `llmlb_output_tokens_total{${base}} 150`,
    ]);
    expect(lines(text, `llmlb_input_tokens_total{${base}}`)).toEqual([
      `llmlb_input_tokens_total{${base}} 25`,
    ]);
    expect(lines(text, `llmlb_ttft_seconds_bucket{${base},le="0.05"}`)).toEqual([
      `llmlb_ttft_seconds_bucket{${base},le="0.05"} 1`,
    ]);
    expect(lines(text, `llmlb_ttft_seconds_count{${base}}`)).toEqual([`llmlb_ttft_seconds_count{${base}} 2`]);
    expect(lines(text, `llmlb_request_duration_seconds_bucket{${base},le="0.5"}`)).toEqual([
      `llmlb_request_duration_seconds_bucket{${base},le="0.5"} 2`,
    ]);
    expect(lines(text, `llmlb_request_duration_seconds_sum{${base}}`)).toEqual([
      `llmlb_request_duration_seconds_sum{${base}} 2.43`,
    ]);
  });
});

describe("request metrics series", () => {
  it("keeps label sets apart even when a name or model contains a NUL", () => {
    const metrics = createRequestMetrics();
    metrics.observe(record({ endpoint_name: "a\u0000b", endpoint_model: "c" }));
    metrics.observe(record({ endpoint_name: "a", endpoint_model: "b\u0000c" }));
    metrics.observe(record({ endpoint_name: "a", endpoint_model: "b\u0000c" }));
    const requests = metrics.families().find((family) => family.name === "llmlb_requests_total");
    const counts = (requests?.type === "counter" ? requests.samples : []).map((sample) => [
      sample.labels.endpoint,
      sample.labels.model,
      sample.value,
    ]);
    expect(counts).toEqual([
      ["a\u0000b", "c", 1],
      ["a", "b\u0000c", 2],
    ]);
  });
});

describe("/metrics exposition", () => {
  const sources = (overrides: Partial<MetricsSources> = {}): MetricsSources => ({
    endpoints: () => [
      endpoint(),
      endpoint({ id: "e2", name: 'lab "B"\\rack', status: "offline", latencyMs: null, endpointType: "vllm" }),
    ],
    inFlight: (id) => (id === "e1" ? 3 : 0),
    queued: () => 2,
    circuitState: (id) => (id === "e2" ? "open" : undefined),
    tps: () => [
      {
        endpointId: "e1",
        model: "llama:8b",
        apiKind: "chat_completions",
        tps: 42.5,
        ttftMs: 100,
        decodeTps: null,
        requestCount: 1,
        totalOutputTokens: 85,
        totalDurationMs: 2000,
      },
    ],
    eventStream: () => ({ clients: 4, slowDisconnects: 1 }),
    ...overrides,
  });

  it("exposes live gauges per endpoint with escaped names, omitting unmeasured values", () => {
    const text = renderExposition(metricsFamilies(createRequestMetrics(), sources()));
    const b = 'endpoint_id="e2",endpoint="lab \\"B\\"\\\\rack"';
    expect(lines(text, "llmlb_tokens_per_second")).toEqual([
      'llmlb_tokens_per_second{endpoint_id="e1",endpoint="gpu-1",model="llama:8b",api_kind="chat_completions"} 42.5',
    ]);
    expect(lines(text, "llmlb_decode_tokens_per_second")).toEqual([]);
    expect(lines(text, "llmlb_in_flight_requests")).toEqual([
      'llmlb_in_flight_requests{endpoint_id="e1",endpoint="gpu-1"} 3',
      `llmlb_in_flight_requests{${b}} 0`,
    ]);
    expect(lines(text, "llmlb_queued_requests")).toEqual(["llmlb_queued_requests 2"]);
    expect(lines(text, "llmlb_endpoint_up")).toEqual([
      'llmlb_endpoint_up{endpoint_id="e1",endpoint="gpu-1",endpoint_type="ollama"} 1',
      `llmlb_endpoint_up{${b},endpoint_type="vllm"} 0`,
    ]);
    expect(lines(text, "llmlb_endpoint_latency_seconds")).toEqual([
      'llmlb_endpoint_latency_seconds{endpoint_id="e1",endpoint="gpu-1"} 0.012',
    ]);
    expect(lines(text, `llmlb_endpoint_circuit_state{${b}`)).toEqual([
      `llmlb_endpoint_circuit_state{${b},state="closed"} 0`,
      `llmlb_endpoint_circuit_state{${b},state="open"} 1`,
      `llmlb_endpoint_circuit_state{${b},state="half_open"} 0`,
    ]);
    expect(
      lines(text, 'llmlb_endpoint_circuit_state{endpoint_id="e1",endpoint="gpu-1",state="closed"}'),
    ).toEqual(['llmlb_endpoint_circuit_state{endpoint_id="e1",endpoint="gpu-1",state="closed"} 1']);
    expect(lines(text, "llmlb_sse_clients")).toEqual(["llmlb_sse_clients 4"]);
  });
});
