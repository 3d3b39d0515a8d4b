// Owns the routing decision: which of a model's routes serves the next request (auto / round_robin /
// least_connections). Pure: load, circuit admission and randomness are injected.
import type { LoadBalancerMode } from "../config.js";
import type { ApiKind } from "../events/types.js";
import type { ModelRoute } from "../registry/types.js";
import type { ModelSpeed, SpeedReader } from "./types.js";

/** Completed requests before an endpoint × model counts as measured. */
export const EXPLORE_SAMPLES = 3;
/** Share of measured decisions sent to a random non-best candidate so slow endpoints stay measured. */
export const EXPLORE_EPSILON = 0.05;
/** Output length assumed when the request does not bound it, tokens. */
export const TYPICAL_OUTPUT_TOKENS = 256;

export interface RouteRequest {
  apiKind: ApiKind;
  /** max_tokens (or equivalent) of the request, else TYPICAL_OUTPUT_TOKENS. */
  expectedOutputTokens: number;
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

/** auto: the lowest expected finish time (per-request ms × (1 + in flight)), after bounded exploration. */
function auto(deps: RouterDeps, request: RouteRequest, routes: ModelRoute[]): ModelRoute {
  // Exploration: an endpoint with fewer than EXPLORE_SAMPLES completions gets requests first, but
  // never more outstanding than the samples it still needs (a bounded share, not a flood).
  let explore: ModelRoute | null = null;
  let exploreLoad = Number.POSITIVE_INFINITY;
  const measured: { route: ModelRoute; score: number }[] = [];
  for (const route of routes) {
    const id = route.endpoint.id;
    const load = deps.inFlight(id);
    const speed = deps.speeds.speedOf(id, route.upstreamModelId, request.apiKind);
    const samples = speed?.requestCount ?? 0;
    const perRequestMs =
      speed && samples >= EXPLORE_SAMPLES
        ? expectedRequestMs(speed, request.apiKind, request.expectedOutputTokens, route.endpoint.latencyMs)
        : null;
    if (perRequestMs === null) {
      if (load < EXPLORE_SAMPLES - Math.min(samples, EXPLORE_SAMPLES - 1) && load < exploreLoad) {
        explore = route;
        exploreLoad = load;
      }
      continue;
    }
    // Work queued ahead: each request in flight delays this one by about one request's time.
    measured.push({ route, score: perRequestMs * (1 + load) });
  }
  if (explore) return explore;
  if (measured.length === 0) return leastLoaded(deps, routes);
  let best = measured[0] as { route: ModelRoute; score: number };
  for (const entry of measured) if (entry.score < best.score) best = entry;
  if (measured.length > 1 && deps.random() < EXPLORE_EPSILON) {
    const others = measured.filter((entry) => entry !== best);
    return (others[Math.floor(deps.random() * others.length)] as { route: ModelRoute }).route;
  }
  return best.route;
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
      return { kind: "route", route: auto(deps, request, candidates) };
    },
  };
}
