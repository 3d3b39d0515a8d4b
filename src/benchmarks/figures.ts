// Owns a TPS benchmark run's wire shapes and the per-endpoint figures computed from its request samples.
// Pure. Units: ms for times, tokens/s for speeds.
import type { BenchmarkProgressEvent } from "../events/types.js";
import type { IsoTime } from "../http/wire-time.js";

export type BenchmarkStatus = BenchmarkProgressEvent["status"];

/** The validated POST /api/benchmarks/tps body. */
export interface BenchmarkParams {
  endpoint_ids: string[];
  model: string;
  /** Requests sent to each endpoint. */
  requests: number;
  /** Requests in flight at once on each endpoint (the run's own cap). */
  concurrency: number;
  max_tokens: number;
  prompt: string;
  stream: boolean;
}

/** One finished benchmark request, as the runner measured it (client side, through the proxy). */
export interface BenchmarkSample {
  endpointId: string;
  ok: boolean;
  /** Monotonic ms when the request was sent and when its last byte arrived. */
  startedAt: number;
  endedAt: number;
  /** First content token (stream) or the whole answer (non-stream), ms after the start; null on error. */
  ttftMs: number | null;
  outputTokens: number;
  /** Tokens after the first / seconds after the first token; null when not measurable (non-stream, 1 token). */
  decodeTps: number | null;
}

export interface BenchmarkResultJson {
  endpoint_id: string;
  endpoint_name: string;
  /** Requests finished so far (successful or not). */
  requests: number;
  errors: number;
  ttft_ms_p50: number | null;
  ttft_ms_p95: number | null;
  /** Mean per-request decode speed: tokens after the first / seconds after the first token. */
  decode_tps: number | null;
  /** Throughput: output tokens / seconds from the endpoint's first request sent to its last one finished. */
  tps: number | null;
  output_tokens: number;
}

/** GET /api/benchmarks/tps/{run_id}. Times are ISO 8601 UTC. */
export interface BenchmarkRunJson {
  run_id: string;
  status: BenchmarkStatus;
  progress: { done: number; total: number };
  results: BenchmarkResultJson[];
  params: BenchmarkParams;
  error: string | null;
  created_at: IsoTime;
  finished_at: IsoTime | null;
}

/** GET /api/benchmarks/tps: the kept runs, newest first. */
export interface BenchmarkRunsJson {
  runs: BenchmarkRunJson[];
}

/** Nearest-rank percentile of ascending `sorted`; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

const round1 = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);

/** One endpoint's figures from its samples so far. */
export function endpointResult(
  endpointId: string,
  name: string,
  samples: BenchmarkSample[],
): BenchmarkResultJson {
  const ok = samples.filter((sample) => sample.ok);
  const ttfts = ok.flatMap((sample) => (sample.ttftMs === null ? [] : [sample.ttftMs])).sort((a, b) => a - b);
  const decodes = ok.flatMap((sample) => (sample.decodeTps === null ? [] : [sample.decodeTps]));
  const outputTokens = ok.reduce((sum, sample) => sum + sample.outputTokens, 0);
  let tps: number | null = null;
  if (ok.length > 0) {
    const first = Math.min(...samples.map((sample) => sample.startedAt));
    const last = Math.max(...samples.map((sample) => sample.endedAt));
    tps = last > first ? outputTokens / ((last - first) / 1000) : null;
  }
  return {
    endpoint_id: endpointId,
    endpoint_name: name,
    requests: samples.length,
    errors: samples.length - ok.length,
    ttft_ms_p50: round1(percentile(ttfts, 50)),
    ttft_ms_p95: round1(percentile(ttfts, 95)),
    decode_tps: round1(decodes.length === 0 ? null : decodes.reduce((a, b) => a + b, 0) / decodes.length),
    tps: round1(tps),
    output_tokens: outputTokens,
  };
}
