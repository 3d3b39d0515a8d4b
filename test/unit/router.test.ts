import { describe, expect, it } from "vitest";
import { emptyLoadProfile, type LoadProfile, observeLoad } from "../../src/balancer/load-model.js";
import {
  createRouter,
  EXPLORE_SAMPLES,
  EXPLORE_STALE_MS,
  type RouteChoice,
} from "../../src/balancer/router.js";
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

function harness(options: {
  mode?: LoadBalancerMode;
  speeds?: Record<string, ModelSpeed>;
  random?: () => number;
  closed?: Set<string>;
  profiles?: Record<string, LoadProfile>;
}) {
  const load = new Map<string, number>();
  const clock = { now: 0 };
  const router = createRouter({
    mode: options.mode ?? "auto",
    speeds: {
      speedOf: (id) => options.speeds?.[id],
      loadOf: (id) => options.profiles?.[id],
      measuredOf: (id) => {
        const speed = options.speeds?.[id];
        return speed ? { speed, load: options.profiles?.[id] } : undefined;
      },
      typicalOutputTokens: () => null,
    },
    inFlight: (id) => load.get(id) ?? 0,
    admits: (id) => !options.closed?.has(id),
    random: options.random ?? (() => 0.5),
    now: () => clock.now,
  });
  const pick = (routes: ModelRoute[], exclude: Set<string> | null = null): RouteChoice =>
    router.choose({
      apiKind: "chat_completions",
      expectedOutputTokens: 256,
      promptTokens: 100,
      routes,
      exclude,
    });
  /** Picks and keeps the request in flight. */
  const dispatch = (routes: ModelRoute[]): string => {
    const choice = pick(routes);
    if (choice.kind !== "route") throw new Error(`no route: ${choice.kind}`);
    const id = choice.route.endpoint.id;
    load.set(id, (load.get(id) ?? 0) + 1);
    return id;
  };
  return { pick, dispatch, load, clock };
}

/** A profile learned from requests of 200 prompt and 101 output tokens at each (concurrency, decode tok/s). */
function learned(points: [number, number][], finishedAt = 0): LoadProfile {
  const profile = emptyLoadProfile();
  for (let round = 0; round < 3; round++) {
    for (const [concurrency, decodeTps] of points) {
      const ttftMs = 100 * Math.max(1, concurrency / 8);
      observeLoad(profile, {
        finishedAt,
        durationMs: ttftMs + (100 * 1000) / decodeTps,
        ttftMs,
        inputTokens: 200,
        outputTokens: 101,
        stream: true,
        concurrency,
      });
    }
  }
  return profile;
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

  it("probes an idle endpoint whose estimate is stale, once per period, so none is starved", () => {
    const profiles = { fast: learned([[1, 200]]), mid: learned([[1, 100]]), slow: learned([[1, 50]]) };
    const { pick, clock } = harness({ speeds, profiles });
    const idOf = (choice: RouteChoice) => (choice.kind === "route" ? choice.route.endpoint.id : "");
    expect(idOf(pick(routes))).toBe("fast");
    clock.now = EXPLORE_STALE_MS + 1;
    const probes = [idOf(pick(routes)), idOf(pick(routes)), idOf(pick(routes))];
    expect(probes).toEqual(["mid", "slow", "fast"]);
  });

  it("sends a request to the batching endpoint with requests in flight rather than a busy sharing one", () => {
    // Both stream at 100 tok/s alone; "mid" keeps it up to 8 in flight, "fast" splits it.
    const batching = learned([
      [1, 100],
      [2, 100],
      [4, 100],
      [8, 100],
    ]);
    const sharing = learned([
      [1, 100],
      [2, 50],
      [4, 25],
    ]);
    expect(batching.slots).toBeGreaterThanOrEqual(8);
    expect(sharing.slots).toBe(1);
    const { pick, load } = harness({ speeds, profiles: { fast: sharing, mid: batching } });
    load.set("fast", 1);
    load.set("mid", 3);
    const choice = pick([route("fast"), route("mid")]);
    expect(choice.kind === "route" && choice.route.endpoint.id).toBe("mid");
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
      speeds: {
        speedOf: () => undefined,
        loadOf: () => undefined,
        measuredOf: () => undefined,
        typicalOutputTokens: () => null,
      },
      inFlight: (id) => load.get(id) ?? 0,
      admits: () => true,
      random: () => 0.5,
      now: () => 0,
    });
    const choose = () =>
      router.choose({
        apiKind: "embeddings",
        expectedOutputTokens: 0,
        promptTokens: 10,
        routes: [route("a", null, 5), route("b", null, 40), route("c", null, 20)],
        exclude: null,
      });
    const first = choose();
    expect(first.kind === "route" && first.route.endpoint.id).toBe("c");
  });
});
