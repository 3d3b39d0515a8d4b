// Owns the routing decision: which of a model's routes serves the next request (auto / round_robin /
// least_connections). Pure: load, circuit admission, the clock and randomness are injected.
import type { LoadBalancerMode } from "../config.js";
import type { ApiKind } from "../events/types.js";
import type { ModelRoute } from "../registry/types.js";
import { expectedFinishMs } from "./load-model.js";
import type { ModelSpeed, SpeedReader } from "./types.js";

/** Completed requests before an endpoint × model counts as measured. */
export const EXPLORE_SAMPLES = 3;
/**
 * An idle measured endpoint whose estimate is older than this gets the next request (at most one per
 * period), so no endpoint is starved and a server that changed is noticed, ms.
 */
export const EXPLORE_STALE_MS = 30_000;
/** Output length assumed when the request does not bound it, tokens. */
export const TYPICAL_OUTPUT_TOKENS = 256;

/**
 * Output tokens to plan a request for: its own bound (max_tokens) capped by the model's typical output,
 * whichever is known; TYPICAL_OUTPUT_TOKENS when neither is.
 */
export function outputEstimate(maxTokens: number | null, typical: number | null): number {
  if (typical === null) return maxTokens ?? TYPICAL_OUTPUT_TOKENS;
  return maxTokens === null ? typical : Math.min(maxTokens, typical);
}

export interface RouteRequest {
  apiKind: ApiKind;
  /** Output tokens expected: max_tokens capped by the model's typical output, else TYPICAL_OUTPUT_TOKENS. */
  expectedOutputTokens: number;
  /** Prompt tokens (estimated from the body's size). */
  promptTokens: number;
  /** Online routes serving the model (the registry's `routesFor`). */
  routes: readonly ModelRoute[];
  /** Endpoints already tried for this request (failover never repeats one). */
  exclude: ReadonlySet<string> | null;
}

/** saturated: candidates exist but all are at max_concurrency (queue); none: nothing can serve it. */
export type RouteChoice = { kind: "route"; route: ModelRoute } | { kind: "saturated" } | { kind: "none" };

export interface RouterDeps {
  mode: LoadBalancerMode;
  speeds: SpeedReader;
  inFlight(endpointId: string): number;
  /** Circuit admission (closed, or a free half-open trial). */
  admits(endpointId: string): boolean;
  /** Uniform in [0, 1). */
  random(): number;
  /** Epoch ms (the clock of completion records). */
  now(): number;
}

export interface Router {
  choose(request: RouteRequest): RouteChoice;
}

/** Expected ms for one request on an idle endpoint, from its measurements; null when unknown. */
export function expectedRequestMs(
  speed: ModelSpeed,
  apiKind: ApiKind,
  outputTokens: number,
  latencyMs: number | null,
): number | null {
  const averageMs = speed.requestCount > 0 ? speed.totalDurationMs / speed.requestCount : null;
  if (apiKind !== "embeddings") {
    if (speed.decodeTps !== null && speed.decodeTps > 0) {
      return (speed.ttftMs ?? 0) + (1000 * outputTokens) / speed.decodeTps;
    }
    if (speed.tps !== null && speed.tps > 0) return (1000 * outputTokens) / speed.tps;
  }
  return averageMs ?? latencyMs;
}

/** Routes this request may use now; "saturated" when every admitted one is at its max_concurrency. */
function candidatesOf(deps: RouterDeps, request: RouteRequest): ModelRoute[] | "saturated" {
  const admitted: ModelRoute[] = [];
  let capped = 0;
  for (const route of request.routes) {
    const id = route.endpoint.id;
    if (request.exclude?.has(id) || !deps.admits(id)) continue;
    const cap = route.endpoint.maxConcurrency;
    if (cap !== null && deps.inFlight(id) >= cap) {
      capped += 1;
      continue;
    }
    admitted.push(route);
  }
  return admitted.length === 0 && capped > 0 ? "saturated" : admitted;
}

/** Fewest in flight; ties broken at random. */
function leastLoaded(deps: RouterDeps, routes: readonly ModelRoute[]): ModelRoute {
  let best = routes[0] as ModelRoute;
  let bestLoad = deps.inFlight(best.endpoint.id);
  const ties: ModelRoute[] = [best];
  for (let i = 1; i < routes.length; i++) {
    const route = routes[i] as ModelRoute;
    const load = deps.inFlight(route.endpoint.id);
    if (load < bestLoad) {
      best = route;
      bestLoad = load;
      ties.length = 0;
      ties.push(route);
    } else if (load === bestLoad) ties.push(route);
  }
  return ties.length === 1 ? best : (ties[Math.floor(deps.random() * ties.length)] as ModelRoute);
}

/** The stale candidate seen longest ago that is not `best` (which gets this request anyway). */
function oldestOtherThan(stale: { route: ModelRoute; seen: number }[], best: ModelRoute | null) {
  let oldest: { route: ModelRoute; seen: number } | null = null;
  for (const entry of stale) {
    if (entry.route !== best && (oldest === null || entry.seen < oldest.seen)) oldest = entry;
  }
  return oldest?.route ?? null;
}

/**
 * Today's rule for a profile that cannot tell yet: the idle request time × (1 + in flight), i.e. a
 * server that shares its speed among requests.
 */
function sharingScore(
  request: RouteRequest,
  route: ModelRoute,
  speed: ModelSpeed,
  load: number,
): number | null {
  const perRequestMs = expectedRequestMs(
    speed,
    request.apiKind,
    request.expectedOutputTokens,
    route.endpoint.latencyMs,
  );
  return perRequestMs === null ? null : perRequestMs * (1 + load);
}

/**
 * auto: the lowest expected finish time of this request from the learned load profile (load if cold +
 * alone time × max(1, (in flight + 1) / slots)), after bounded exploration of new endpoints and one
 * probe per EXPLORE_STALE_MS of an idle endpoint whose estimate went stale. `probedAt`: epoch ms of
 * each endpoint's last probe (the router's state).
 */
function auto(
  deps: RouterDeps,
  request: RouteRequest,
  routes: ModelRoute[],
  probedAt: Map<string, number>,
): ModelRoute {
  const now = deps.now();
  // Exploration: an endpoint with fewer than EXPLORE_SAMPLES completions gets requests first, but
  // never more outstanding than the samples it still needs (a bounded share, not a flood).
  let explore: ModelRoute | null = null;
  let exploreLoad = Number.POSITIVE_INFINITY;
  let stale: { route: ModelRoute; seen: number }[] | null = null;
  let best: ModelRoute | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const route of routes) {
    const id = route.endpoint.id;
    const load = deps.inFlight(id);
    const measured = deps.speeds.measuredOf(id, route.upstreamModelId, request.apiKind);
    const speed = measured?.speed;
    const samples = speed?.requestCount ?? 0;
    if (!speed || samples < EXPLORE_SAMPLES) {
      if (load < EXPLORE_SAMPLES - Math.min(samples, EXPLORE_SAMPLES - 1) && load < exploreLoad) {
        explore = route;
        exploreLoad = load;
      }
      continue;
    }
    const profile = measured?.load;
    const expected = profile
      ? expectedFinishMs(profile, request.promptTokens, request.expectedOutputTokens, load, now)
      : null;
    const score = expected ?? sharingScore(request, route, speed, load);
    if (score === null) continue;
    if (score < bestScore) {
      best = route;
      bestScore = score;
    }
    const seen = Math.max(profile?.lastSeenAt ?? now, probedAt.get(id) ?? 0);
    if (load === 0 && now - seen > EXPLORE_STALE_MS) {
      stale ??= [];
      stale.push({ route, seen });
    }
  }
  if (explore) return explore;
  const probe = stale ? oldestOtherThan(stale, best) : null;
  if (probe) {
    probedAt.set(probe.endpoint.id, now);
    return probe;
  }
  return best ?? leastLoaded(deps, routes);
}

/** Embeddings: least in flight, ties broken by lower average latency (probe latency when unmeasured). */
function embeddings(deps: RouterDeps, routes: ModelRoute[]): ModelRoute {
  let best = routes[0] as ModelRoute;
  let bestKey = embeddingKey(deps, best);
  for (const route of routes) {
    const key = embeddingKey(deps, route);
    if (key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) {
      best = route;
      bestKey = key;
    }
  }
  return best;
}

function embeddingKey(deps: RouterDeps, route: ModelRoute): [number, number] {
  const speed = deps.speeds.speedOf(route.endpoint.id, route.upstreamModelId, "embeddings");
  const latency = speed
    ? expectedRequestMs(speed, "embeddings", 0, route.endpoint.latencyMs)
    : route.endpoint.latencyMs;
  return [deps.inFlight(route.endpoint.id), latency ?? Number.POSITIVE_INFINITY];
}

export function createRouter(deps: RouterDeps): Router {
  /** Next round-robin position; one counter is enough (candidate lists are sorted by id). */
  let cursor = 0;
  const probedAt = new Map<string, number>();
  return {
    choose(request) {
      const candidates = candidatesOf(deps, request);
      if (candidates === "saturated") return { kind: "saturated" };
      if (candidates.length === 0) return { kind: "none" };
      if (candidates.length === 1) return { kind: "route", route: candidates[0] as ModelRoute };
      if (deps.mode === "round_robin") {
        candidates.sort((a, b) => (a.endpoint.id < b.endpoint.id ? -1 : 1));
        const route = candidates[cursor % candidates.length] as ModelRoute;
        cursor = (cursor + 1) % 1_000_000_007;
        return { kind: "route", route };
      }
      if (request.apiKind === "embeddings") return { kind: "route", route: embeddings(deps, candidates) };
      if (deps.mode === "least_connections") return { kind: "route", route: leastLoaded(deps, candidates) };
      return { kind: "route", route: auto(deps, request, candidates, probedAt) };
    },
  };
}
