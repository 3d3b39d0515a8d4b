// Bench: the cost of one `auto` routing decision for 100 endpoints serving one model, in process (the
// real router and TPS tracker with learned load profiles; no I/O) → median and p99 µs per decision.
import { createRouter } from "../../src/balancer/router.js";
import { createTpsTracker } from "../../src/balancer/tps-tracker.js";
import type { EndpointRecord, ModelRoute } from "../../src/registry/types.js";
import { percentile } from "./stats.js";

const ENDPOINTS = 100;

function route(id: string): ModelRoute {
  const endpoint = {
    id,
    name: id,
    baseUrl: `http://${id}.bench`,
    endpointType: "vllm",
    status: "online",
    latencyMs: 5,
    maxConcurrency: null,
  } as EndpointRecord;
  return { endpoint, upstreamModelId: "m" };
}

export function routerDecisionMicros(decisions = 20_000): { medianUs: number; p99Us: number } {
  const tracker = createTpsTracker();
  const routes = Array.from({ length: ENDPOINTS }, (_, i) => route(`e${i}`));
  const load = new Map<string, number>();
  // Every endpoint measured at several loads, so each decision scores a learned profile.
  for (const [i, r] of routes.entries()) {
    load.set(r.endpoint.id, i % 7);
    for (let n = 0; n < 12; n++) {
      tracker.observe({
        request_id: `${i}-${n}`,
        finished_at: 1_000 + n,
        endpoint_id: r.endpoint.id,
        endpoint_name: r.endpoint.id,
        model: "m",
        endpoint_model: "m",
        api_kind: "chat_completions",
        status: "success",
        status_code: 200,
        error: null,
        input_tokens: 200 + n * 50,
        output_tokens: 100,
        estimated: false,
        ttft_ms: 50 + n,
        duration_ms: 1_000 + (n % 4) * 400 + i,
        stream: true,
        concurrency: 1 + (n % 4) * 2,
        client_ip: null,
        api_key_id: null,
        source: "api",
      });
    }
  }
  const router = createRouter({
    mode: "auto",
    speeds: tracker,
    inFlight: (id) => load.get(id) ?? 0,
    admits: () => true,
    random: Math.random,
    now: () => 2_000,
  });
  const request = {
    apiKind: "chat_completions" as const,
    expectedOutputTokens: 256,
    promptTokens: 300,
    routes,
    exclude: null,
  };
  for (let i = 0; i < 2_000; i++) router.choose(request); // warm-up (JIT)
  const samples: number[] = [];
  for (let i = 0; i < decisions; i++) {
    const started = process.hrtime.bigint();
    router.choose(request);
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return { medianUs: percentile(samples, 50), p99Us: percentile(samples, 99) };
}
