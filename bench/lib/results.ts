// Bench results: what one run measured (BenchResults) and the figures every table and verdict reads from it.

import type { LoadResult } from "./load.js";
import type { MessagesBench } from "./messages.js";
import type { Plan } from "./plan.js";
import type { RoutingFleetRun } from "./routing.js";
import type { LoadResults } from "./scenarios.js";
import type { SseRun } from "./sse-clients.js";
import { median, summarize } from "./stats.js";
import type { StreamRunSummary } from "./stream-client.js";
import type { UploadBench } from "./uploads.js";

export const DIRECT = "direct to mock";
export const BARE = "bare node proxy";
export const BARE_BUN = "bare bun proxy";
export const NODE = "llmlb node";
export const BUN_TARGET = "llmlb bun";

export interface BenchResults {
  plan: Plan;
  header: string[];
  targets: string[];
  /** Section 1's peer gateway (measured in section 1 only, interleaved with the targets), or why it was not. */
  peer: { name: string; measured: boolean; note: string } | null;
  load: Map<string, LoadResults>;
  streaming: Map<string, Map<string, StreamRunSummary>>;
  persistence: {
    on: LoadResult[];
    /** The recorder disabled by LLMLB_BENCH_RECORDER_OFF (the baseline). */
    off: LoadResult[];
    /** The previous method: SQLite triggers abort every flush's first write. */
    aborted: LoadResult[];
    definition: string;
    /** Share (0–1) of busy CPU inside the recorder's flush, from each process's CPU profile. */
    flushShare: { on: number; off: number; aborted: number };
    /** Process CPU time (all threads) per request over the measured slices, µs. */
    cpuUsPerRequest: { on: number; off: number; aborted: number };
  } | null;
  /** Section 6: llmlb node slices with and without SSE_CLIENTS /api/events clients. */
  sse: SseRun[];
  memory: {
    name: string;
    idleMiB: number;
    peakMiB: number;
    firstBootMs: number[];
    restartMs: number[];
    /** Node: restarts with the code cache deleted first (the first start after a build). */
    uncachedRestartMs: number[];
    /** Node: what each restart found in the code cache ("used" when it took it). */
    codeCache: string[];
  }[];
  /** Section 5, one run per fleet (sharing, batching, mixed). */
  routing: RoutingFleetRun[];
  /** One `auto` decision among 100 endpoints, µs (in process). */
  routerDecision: { medianUs: number; p99Us: number } | null;
  /** Section 7: /v1/messages vs /v1/chat/completions per llmlb runtime. */
  messages: MessagesBench[];
  /** Section 9: a 10 MiB transcription upload, direct vs through llmlb, per llmlb runtime. */
  uploads: UploadBench[];
  /** The sharing fleet's lower bound on makespan. */
  idealMakespanMs: number;
  notes: string[];
}

export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  slices: number;
}

/** Median over interleaved slices of req/s, p50 and p99. */
export function loadFigures(results: readonly LoadResult[] | undefined): LoadFigures {
  const list = results ?? [];
  return {
    rps: median(list.map((r) => r.rps)),
    p50: median(list.map((r) => r.p50Ms)),
    p99: median(list.map((r) => r.p99Ms)),
    failed: list.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
    slices: list.length,
  };
}

export function fig(results: BenchResults, level: string, target: string): LoadFigures {
  return loadFigures(results.load.get(level)?.get(target));
}

/** Section 1's rows: every target, then the peer when it was measured. */
export const loadTargets = (r: BenchResults) => (r.peer?.measured ? [...r.targets, r.peer.name] : r.targets);

export function streamFigures(summary: StreamRunSummary | undefined) {
  const ttft = summarize(summary?.ttftMs ?? []);
  const gaps = summarize(summary?.gapsMs ?? []);
  const delivered = summary && summary.expected > 0 ? summary.delivered / summary.expected : Number.NaN;
  return { ttft, gaps, delivered, streams: summary?.streams ?? 0, failed: summary?.failed ?? 0 };
}
