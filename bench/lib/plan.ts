// Bench plan: how long and how often each scenario runs, for the full run (≤ 10 min) and --quick (≈ 2 min).

export interface Plan {
  name: "full" | "quick";
  /** Hard bound on the whole run; every child is stopped when it is hit. */
  boundMs: number;
  warmupS: number;
  /** Interleaved rounds: each round runs every target once per load level, in a rotated order. */
  rounds: number;
  /** Seconds per wrk slice at c=50, c=1, c=10. */
  sliceS: { c50: number; c1: number; c10: number };
  /** Upstream latency 1.5 s at c=100: seconds per target (0 = skipped). */
  concurrencyS: number;
  /** Streams per target per round at c=1, and per worker at c=50. */
  streamsC1: number;
  streamsPerWorkerC50: number;
  /** First boot + restart pairs per runtime for the cold-start figure. */
  coldStarts: number;
  persistenceRounds: number;
  persistenceSliceS: number;
  /** Routing workload: requests, concurrency, output tokens per request (max_tokens). */
  routing: { requests: number; concurrency: number; tokens: number };
}

export const FULL: Plan = {
  name: "full",
  // The run (≈ 8 min) plus the Portkey peer's one-time npm install (bounded at 2 min).
  boundMs: 12 * 60_000,
  warmupS: 2,
  rounds: 3,
  sliceS: { c50: 3, c1: 2, c10: 2 },
  concurrencyS: 5,
  streamsC1: 10,
  streamsPerWorkerC50: 3,
  coldStarts: 3,
  persistenceRounds: 3,
  persistenceSliceS: 3,
  routing: { requests: 300, concurrency: 12, tokens: 24 },
};

export const QUICK: Plan = {
  name: "quick",
  boundMs: 5 * 60_000,
  warmupS: 1,
  rounds: 1,
  sliceS: { c50: 2, c1: 1, c10: 1 },
  concurrencyS: 0,
  streamsC1: 5,
  streamsPerWorkerC50: 2,
  coldStarts: 1,
  persistenceRounds: 1,
  persistenceSliceS: 2,
  routing: { requests: 300, concurrency: 12, tokens: 8 },
};

/** Upstream models on the mock's main listener. */
export const STREAM_CHUNKS = 20;
export const STREAM_INTERVAL_MS = 10;
export const SLOW_LATENCY_MS = 1500;
/** Routing endpoints: aggregate decode speed (tok/s, shared by in-flight requests) and prefill delay. */
export const ROUTING_ENDPOINTS = [
  { name: "r200", tps: 200 },
  { name: "r100", tps: 100 },
  { name: "r50", tps: 50 },
];
export const ROUTING_PREFILL_MS = 50;

/** A mock routing endpoint: decode tok/s, shared by its requests, or per stream up to `slots` (batching). */
export interface RoutingEndpoint {
  name: string;
  tps: number;
  slots?: number;
}

/** Section 5's fleets: the same workload and modes through each. */
export const ROUTING_FLEETS: { fleet: string; about: string; endpoints: readonly RoutingEndpoint[] }[] = [
  {
    fleet: "sharing",
    about: "decode at 200 / 100 / 50 tok/s, shared by their in-flight requests",
    endpoints: ROUTING_ENDPOINTS,
  },
  {
    fleet: "batching",
    about:
      "continuous batching: 8 slots × 40 tok/s, 4 × 60 and 16 × 20 tok/s per stream, later requests queue",
    endpoints: [
      { name: "b8x40", tps: 40, slots: 8 },
      { name: "b4x60", tps: 60, slots: 4 },
      { name: "b16x20", tps: 20, slots: 16 },
    ],
  },
  {
    fleet: "mixed",
    about: "one batching server (8 slots × 50 tok/s per stream) and two sharing ones (120 and 60 tok/s)",
    endpoints: [
      { name: "x8x50", tps: 50, slots: 8 },
      { name: "x120", tps: 120 },
      { name: "x60", tps: 60 },
    ],
  },
];
