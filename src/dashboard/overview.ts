// Owns the dashboard's aggregations over in-memory state: overview stats, per-endpoint TPS summaries,
// per-model stats and the MetricsUpdated snapshot. Pure: no I/O, no clock.
import type { TpsEntry } from "../balancer/tps-tracker.js";
import type { CountersJson, MetricsSnapshot } from "../events/types.js";
import type { EndpointRecord } from "../registry/types.js";

/** GET /api/dashboard/stats and the overview's `stats`. */
export interface DashboardStats extends CountersJson {
  total_endpoints: number;
  online_endpoints: number;
  /** Endpoints whose last probes failed (status offline or error); pending ones count in neither. */
  offline_endpoints: number;
  /** Requests in flight now (streams until their last byte). */
  active_requests: number;
  /** Requests waiting in the per-model queues now. */
  queued_requests: number;
  /** ms; null only while nothing (no request, no probe) has been measured. */
  average_response_time_ms: number | null;
}

/** One entry of the overview's `endpoint_tps`. */
export interface EndpointTpsSummary {
  endpoint_id: string;
  /** Distinct models (the endpoint's own ids) with any measurement. */
  model_count: number;
  /** Sum over models of each model's best measured tps (across api kinds), tokens/s rounded to 0.1; null if none. */
  aggregate_tps: number | null;
  total_output_tokens: number;
  /** Successful requests measured by the tracker. */
  total_requests: number;
}

export const round1 = (value: number): number => Math.round(value * 10) / 10;

export function buildStats(input: {
  endpoints: readonly EndpointRecord[];
  totals: CountersJson;
  activeRequests: number;
  queuedRequests: number;
  averageResponseTimeMs: number | null;
}): DashboardStats {
  const online = input.endpoints.filter((endpoint) => endpoint.status === "online").length;
  const offline = input.endpoints.filter((e) => e.status === "offline" || e.status === "error").length;
  return {
    total_endpoints: input.endpoints.length,
    online_endpoints: online,
    offline_endpoints: offline,
    ...input.totals,
    active_requests: input.activeRequests,
    queued_requests: input.queuedRequests,
    average_response_time_ms:
      input.averageResponseTimeMs === null ? null : round1(input.averageResponseTimeMs),
  };
}

/** One summary per listed endpoint (in list order), zeros and null for endpoints not measured yet. */
export function summarizeEndpointTps(
  endpointIds: readonly string[],
  entries: readonly TpsEntry[],
): EndpointTpsSummary[] {
  return endpointIds.map((endpointId) => {
    const own = entries.filter((entry) => entry.endpointId === endpointId);
    const bestByModel = new Map<string, number | null>();
    for (const entry of own) {
      const best = bestByModel.get(entry.model) ?? null;
      const tps = entry.tps === null ? best : best === null ? entry.tps : Math.max(best, entry.tps);
      bestByModel.set(entry.model, tps);
    }
    const measured = [...bestByModel.values()].filter((tps): tps is number => tps !== null);
    return {
      endpoint_id: endpointId,
      model_count: bestByModel.size,
      aggregate_tps: measured.length === 0 ? null : round1(measured.reduce((sum, tps) => sum + tps, 0)),
      total_output_tokens: own.reduce((sum, entry) => sum + entry.totalOutputTokens, 0),
      total_requests: own.reduce((sum, entry) => sum + entry.requestCount, 0),
    };
  });
}

export function metricsSnapshot(stats: DashboardStats): MetricsSnapshot {
  return {
    total_requests: stats.total_requests,
    successful_requests: stats.successful_requests,
    failed_requests: stats.failed_requests,
    active_requests: stats.active_requests,
    queued_requests: stats.queued_requests,
    online_endpoints: stats.online_endpoints,
    total_endpoints: stats.total_endpoints,
    average_response_time_ms: stats.average_response_time_ms,
    total_output_tokens: stats.total_output_tokens,
  };
}
