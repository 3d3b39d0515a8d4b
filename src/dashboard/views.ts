// Owns the dashboard's views of live state: stats, endpoints with their live load, per endpoint × model
// speeds and the overview that bundles them. Memory only: registry, live stats, TPS tracker, proxy load.
import type { TpsTracker } from "../balancer/tps-tracker.js";
import type { CountersJson, MetricsSnapshot } from "../events/types.js";
import { type IsoTime, isoTime } from "../http/wire-time.js";
import type { LiveLoad } from "../proxy/types.js";
import type { StoredModel } from "../registry/directory.js";
import { type EndpointJson, endpointJson } from "../registry/endpoint-json.js";
import type { EndpointRecord } from "../registry/types.js";
import { countersJson } from "../stats/counters-json.js";
import { type ModelTps, modelTpsOf } from "../stats/daily-report.js";
import type { LiveStats, MinutePoint } from "../stats/types.js";
import {
  buildStats,
  type DashboardStats,
  type EndpointTpsSummary,
  metricsSnapshot,
  summarizeEndpointTps,
} from "./overview.js";

export interface DashboardSources {
  directory: { list(): EndpointRecord[]; modelsOf(endpointId: string): StoredModel[] };
  stats: LiveStats;
  tracker: Pick<TpsTracker, "entries" | "loadOf">;
  liveLoad: LiveLoad;
  circuits: { circuitState(endpointId: string): "closed" | "open" | "half_open" };
}

export function dashboardStats(sources: DashboardSources): DashboardStats {
  return buildStats({
    endpoints: sources.directory.list(),
    totals: countersJson(sources.stats.totals()),
    activeRequests: sources.liveLoad.totalInFlight(),
    queuedRequests: sources.liveLoad.queued(),
    averageResponseTimeMs: sources.stats.averageResponseTimeMs(),
  });
}

export function dashboardSnapshot(sources: DashboardSources): MetricsSnapshot {
  return metricsSnapshot(dashboardStats(sources));
}

/** The endpoint JSON of /api/endpoints (with circuit_state) plus tokens, live load, models and TPS. */
export interface DashboardEndpointJson extends EndpointJson, CountersJson {
  /** Requests in flight to this endpoint now. */
  active_requests: number;
  /** The endpoint's model ids. */
  models: string[];
  model_count: number;
  aggregate_tps: number | null;
}

export function dashboardEndpoints(
  sources: DashboardSources,
  summaries?: EndpointTpsSummary[],
): DashboardEndpointJson[] {
  const endpoints = sources.directory.list();
  const tps =
    summaries ??
    summarizeEndpointTps(
      endpoints.map((e) => e.id),
      sources.tracker.entries(),
    );
  const tpsOf = new Map(tps.map((summary) => [summary.endpoint_id, summary.aggregate_tps]));
  return endpoints.map((endpoint) => {
    const counters = countersJson(sources.stats.countersOf(endpoint.id));
    const models = sources.directory.modelsOf(endpoint.id).map((model) => model.id);
    return {
      ...endpointJson(endpoint, counters, sources.circuits.circuitState(endpoint.id)),
      ...counters,
      active_requests: sources.liveLoad.inFlight(endpoint.id),
      models,
      model_count: models.length,
      aggregate_tps: tpsOf.get(endpoint.id) ?? null,
    };
  });
}

/** One row of GET /api/dashboard/model-stats. */
export type DashboardModelStatsRow = ModelTps & { endpoint_id: string; endpoint_name: string | null };

/** One row per (endpoint, model, api kind) measured: the per endpoint × model speed table. */
export function dashboardModelStats(sources: DashboardSources): DashboardModelStatsRow[] {
  const names = new Map(sources.directory.list().map((endpoint) => [endpoint.id, endpoint.name]));
  return sources.tracker
    .entries()
    .filter((entry) => names.has(entry.endpointId))
    .map((entry) => ({
      endpoint_id: entry.endpointId,
      endpoint_name: names.get(entry.endpointId) ?? null,
      ...modelTpsOf(entry, sources.tracker.loadOf(entry.endpointId, entry.model, entry.apiKind)),
    }))
    .sort(
      (a, b) =>
        a.model_id.localeCompare(b.model_id) ||
        (a.endpoint_name ?? "").localeCompare(b.endpoint_name ?? "") ||
        a.api_kind.localeCompare(b.api_kind),
    );
}

/** GET /api/dashboard/overview. */
export interface Overview {
  endpoints: DashboardEndpointJson[];
  stats: DashboardStats;
  /** 60 minutes, oldest first. */
  history: MinutePoint[];
  endpoint_tps: EndpointTpsSummary[];
  generated_at: IsoTime;
  generation_time_ms: number;
}

/** Everything the dashboard's first paint needs, from memory (no query, whatever the endpoint count). */
export function dashboardOverview(
  sources: DashboardSources,
  clock: { now(): number; monotonic(): number },
): Overview {
  const started = clock.monotonic();
  const endpointIds = sources.directory.list().map((endpoint) => endpoint.id);
  const endpointTps = summarizeEndpointTps(endpointIds, sources.tracker.entries());
  const overview = {
    endpoints: dashboardEndpoints(sources, endpointTps),
    stats: dashboardStats(sources),
    history: sources.stats.history(),
    endpoint_tps: endpointTps,
    generated_at: isoTime(clock.now()),
  };
  return { ...overview, generation_time_ms: Math.round((clock.monotonic() - started) * 1000) / 1000 };
}
