import { describe, expect, it } from "vitest";
import { createRouter, EXPLORE_SAMPLES, type RouteChoice } from "../../src/balancer/router.js";
import type { ModelSpeed } from "../../src/balancer/types.js";
import type { LoadBalancerMode } from "../../src/config.js";
import type { EndpointRecord, ModelRoute } from "../../src/registry/types.js";

function route(id: string, maxConcurrency: number | null = null, latencyMs: number | null = 10): ModelRoute {
  const endpoint: EndpointRecord = {
    id,
    name: id,
    baseUrl: `http://${id}.test`,
    endpointType: "openai_compatible",
    status: "online",
    latencyMs,
    lastSeen: 0,
    lastError: null,
    errorCount: 0,
    healthCheckIntervalSecs: 30,
    inferenceTimeoutSecs: 120,
    maxConcurrency,
    notes: null,
    registeredAt: 0,
    updatedAt: 0,
    hasApiKey: false,
  };
  return { endpoint, upstreamModelId: "m" };
}

function measured(decodeTps: number, ttftMs = 100, requestCount = 10): ModelSpeed {
  return { tps: decodeTps, ttftMs, decodeTps, requestCount, totalOutputTokens: 0, totalDurationMs: 0 };
}

/** Deterministic uniform numbers (LCG) so shares are reproducible. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

function harness(options: {
  mode?: LoadBalancerMode;
  speeds?: Record<string, ModelSpeed>;
  random?: () => number;
  closed?: Set<string>;
}) {
  const load = new Map<string, number>();
  const router = createRouter({
    mode: options.mode ?? "auto",
    speeds: { speedOf: (id) => options.speeds?.[id] },
    inFlight: (id) => load.get(id) ?? 0,
    admits: (id) => !options.closed?.has(id),
    random: options.random ?? (() => 0.5),
  });
  const pick = (routes: ModelRoute[], exclude: Set<string> | null = null): RouteChoice =>
    router.choose({ apiKind: "chat_completions", expectedOutputTokens: 256, routes, exclude });
  /** Picks and keeps the request in flight. */
  const dispatch = (routes: ModelRoute[]): string => {
    const choice = pick(routes);
    if (choice.kind !== "route") throw new Error(`no route: ${choice.kind}`);
    const id = choice.route.endpoint.id;
    load.set(id, (load.get(id) ?? 0) + 1);
    return id;
  };
  return { pick, dispatch, load };
}

const routes = [route("fast"), route("mid"), route("slow")];
const speeds = { fast: measured(200), mid: measured(100), slow: measured(50) };

describe("router (auto)", () => {
  it("sends a request to the endpoint that will finish soonest", () => {
    const { pick } = harness({ speeds });
    const choice = pick(routes);
    expect(choice.kind === "route" && choice.route.endpoint.id).toBe("fast");
  });

  it("spreads load as in-flight requests queue up on the fast endpoint", () => {
    const { dispatch } = harness({ speeds });
    const picks = Array.from({ length: 5 }, () => dispatch(routes));
    // fast: 1380 ms idle, mid 2660, slow 5220; each request in flight adds one request's time.
    expect(picks).toEqual(["fast", "mid", "fast", "fast", "slow"]);
  });

  it("prefers lower TTFT when decode speeds are equal", () => {
    const { pick } = harness({
      speeds: { fast: measured(100, 50), mid: measured(100, 900), slow: measured(100, 400) },
    });
    const choice = pick(routes);
    expect(choice.kind === "route" && choice.route.endpoint.id).toBe("fast");
  });

  it("sends unmeasured endpoints traffic first, but never more outstanding than the samples they need", () => {
    const { dispatch } = harness({ speeds: { fast: measured(200) } });
    const picks = Array.from({ length: 2 * EXPLORE_SAMPLES + 1 }, () => dispatch(routes));
    expect(picks.filter((id) => id === "mid")).toHaveLength(EXPLORE_SAMPLES);
    expect(picks.filter((id) => id === "slow")).toHaveLength(EXPLORE_SAMPLES);
    expect(picks.at(-1)).toBe("fast");
  });

  it("keeps a small share for measured-but-slow endpoints and gives the most to the fastest", () => {
    const { pick } = harness({ speeds, random: seeded(42) });
    const counts: Record<string, number> = { fast: 0, mid: 0, slow: 0 };
    for (let i = 0; i < 2000; i++) {
      const choice = pick(routes);
      if (choice.kind === "route")
        counts[choice.route.endpoint.id] = (counts[choice.route.endpoint.id] ?? 0) + 1;
    }
    expect(counts.fast).toBeGreaterThan(1800);
    expect(counts.slow).toBeGreaterThan(10);
    expect(counts.mid).toBeGreaterThan(10);
  });

  it("uses whole-request tps when there is no decode measurement", () => {
    const nonStream = (tps: number): ModelSpeed => ({ ...measured(0), decodeTps: null, ttftMs: null, tps });
    const { pick } = harness({ speeds: { fast: nonStream(20), mid: nonStream(80), slow: nonStream(40) } });
    const choice = pick(routes);
    expect(choice.kind === "route" && choice.route.endpoint.id).toBe("mid");
  });
});

describe("router (candidates)", () => {
  it("skips endpoints at max_concurrency and reports saturation when all are capped", () => {
    const { pick, load } = harness({ speeds });
    const capped = [route("fast", 1), route("mid", 2)];
    load.set("fast", 1);
    const choice = pick(capped);
    expect(choice.kind === "route" && choice.route.endpoint.id).toBe("mid");
    load.set("mid", 2);
    expect(pick(capped).kind).toBe("saturated");
  });

  it("skips open circuits and endpoints already tried; nothing left is 'none'", () => {
    const { pick } = harness({ speeds, closed: new Set(["fast"]) });
    const choice = pick(routes, new Set(["mid"]));
    expect(choice.kind === "route" && choice.route.endpoint.id).toBe("slow");
    expect(pick(routes, new Set(["mid", "slow"])).kind).toBe("none");
    expect(pick([]).kind).toBe("none");
  });
});

describe("router (other modes)", () => {
  it("round_robin cycles through the candidates whatever their speed", () => {
    const { pick } = harness({ mode: "round_robin", speeds });
    const ids = Array.from({ length: 6 }, () => {
      const choice = pick(routes);
      return choice.kind === "route" ? choice.route.endpoint.id : "";
    });
    expect(ids).toEqual(["fast", "mid", "slow", "fast", "mid", "slow"]);
  });

  it("least_connections picks the endpoint with the fewest requests in flight", () => {
    const { pick, load } = harness({ mode: "least_connections", speeds });
    load.set("fast", 3);
    load.set("mid", 1);
    load.set("slow", 2);
    const choice = pick(routes);
    expect(choice.kind === "route" && choice.route.endpoint.id).toBe("mid");
  });

  it("embeddings go to the least loaded endpoint, then the lowest latency", () => {
    const load = new Map([["a", 1]]);
    const router = createRouter({
      mode: "auto",
      speeds: { speedOf: () => undefined },
      inFlight: (id) => load.get(id) ?? 0,
      admits: () => true,
      random: () => 0.5,
    });
    const choose = () =>
      router.choose({
        apiKind: "embeddings",
        expectedOutputTokens: 0,
        routes: [route("a", null, 5), route("b", null, 40), route("c", null, 20)],
        exclude: null,
      });
    const first = choose();
    expect(first.kind === "route" && first.route.endpoint.id).toBe("c");
  });
});
