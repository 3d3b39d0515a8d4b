// Bench routing quality: one fixed streaming workload through llmlb in front of three mock endpoints of
// different decode speeds, per load-balancer mode → makespan and the share of requests each endpoint served.
import { ROUTING_PREFILL_MS, type RoutingEndpoint } from "./plan.js";
import { runStreams, type StreamRunSummary } from "./stream-client.js";
import { type Llmlb, type LlmlbOptions, startLlmlb } from "./targets.js";

export const ROUTING_MODES = ["auto", "round_robin", "least_connections"] as const;

/** Share (0–1) by which `mode`'s makespan is shorter than `baseline`'s; NaN when either did not run. */
export function makespanGain(results: readonly RoutingResult[], mode: string, baseline: string): number {
  const a = results.find((x) => x.mode === mode);
  const b = results.find((x) => x.mode === baseline);
  return a && b ? (b.makespanMs - a.makespanMs) / b.makespanMs : Number.NaN;
}

export interface RoutingResult {
  mode: string;
  makespanMs: number;
  /** endpoint name → completed requests, as counted by the mock. */
  served: Record<string, number>;
  streams: StreamRunSummary;
  coldStartMs: number;
}

async function mockCount(url: string, model: string): Promise<number> {
  const response = await fetch(`${url}/_mock/stats`);
  const stats = (await response.json()) as { requests: Record<string, number> };
  return stats.requests[model] ?? 0;
}

/** One fleet's runs (section 5). */
export interface RoutingFleetRun {
  fleet: string;
  about: string;
  endpoints: string[];
  results: RoutingResult[];
}

export async function runRouting(
  endpoints: readonly RoutingEndpoint[],
  urls: Record<string, string>,
  workload: { requests: number; concurrency: number; tokens: number },
  base: Pick<LlmlbOptions, "apiKey" | "logDir">,
  log: (line: string) => void,
): Promise<RoutingResult[]> {
  const body = JSON.stringify({
    model: "route",
    messages: [{ role: "user", content: "Tell a story." }],
    max_tokens: workload.tokens,
    stream: true,
    stream_options: { include_usage: true },
  });
  const results: RoutingResult[] = [];
  for (const mode of ROUTING_MODES) {
    let llmlb: Llmlb | null = null;
    try {
      llmlb = await startLlmlb({
        ...base,
        name: `llmlb node ${mode}`,
        runtime: "node",
        endpoints: endpoints.map((endpoint) => `${endpoint.name}=${urls[endpoint.name]}`).join(","),
        env: { LLMLB_LOAD_BALANCER_MODE: mode },
        model: "route",
        minEndpoints: endpoints.length,
      });
      const before: Record<string, number> = {};
      for (const endpoint of endpoints)
        before[endpoint.name] = await mockCount(urls[endpoint.name] as string, "route");
      const started = performance.now();
      const streams = await runStreams(llmlb, body, {
        concurrency: workload.concurrency,
        count: workload.requests,
        expectedEvents: workload.tokens + 2,
        timeoutMs: 120_000,
      });
      const makespanMs = performance.now() - started;
      const served: Record<string, number> = {};
      for (const endpoint of endpoints) {
        served[endpoint.name] =
          (await mockCount(urls[endpoint.name] as string, "route")) - (before[endpoint.name] ?? 0);
      }
      results.push({ mode, makespanMs, served, streams, coldStartMs: llmlb.coldStartMs });
      log(
        `  ${mode.padEnd(18)} makespan ${(makespanMs / 1000).toFixed(2)} s  served ${JSON.stringify(served)}  failed ${streams.failed}`,
      );
    } finally {
      await llmlb?.process.stop();
    }
  }
  return results;
}

/** Lower bound on makespan: every token decoded at the endpoints' combined speed, plus one prefill. */
export function idealMakespanMs(
  endpoints: readonly RoutingEndpoint[],
  workload: { requests: number; tokens: number },
): number {
  const combined = endpoints.reduce((sum, endpoint) => sum + endpoint.tps, 0);
  return ((workload.requests * workload.tokens) / combined) * 1000 + ROUTING_PREFILL_MS;
}
