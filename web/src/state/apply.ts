// Owns how each live event changes the dashboard's data. Pure functions over plain values (no signals,
// no I/O) so the state model stays small and these rules are unit-tested.
import type { EndpointSummaryEvent, MetricsSnapshot } from "../../../src/events/types.js";
import type {
  CompletionJson,
  DashboardEndpointJson,
  EndpointTpsSummary,
  EventJsonPayloads,
  IsoTime,
  MinutePoint,
  ModelTps,
  Overview,
  RequestResponseJson,
} from "../api/types.js";

export const MINUTE_MS = 60_000;
export const TIMELINE_MINUTES = 60;

/**
 * An endpoint as the dashboard holds it: the overview's row, or — announced by EndpointRegistered before
 * the next overview — only what the event carries.
 */
export type LiveEndpoint = Pick<DashboardEndpointJson, "id" | "name" | "base_url" | "status" | "latency_ms"> &
  Partial<Omit<DashboardEndpointJson, "endpoint_type">> &
  Pick<EndpointSummaryEvent, "endpoint_type">;

/** The overview as the dashboard holds it between snapshots (events merged in). */
export type LiveOverview = Omit<Overview, "endpoints"> & { endpoints: LiveEndpoint[] };

/** A row of the request history: fetched from request-responses, or a live RequestCompleted (no row id). */
export type RequestRow = Omit<RequestResponseJson, "id"> & { id?: number };

/** A timeline minute with `minute` as epoch ms of the minute's start (the chart's x unit). */
export interface TimelinePoint {
  minute: number;
  success: number;
  error: number;
}

/** A wire instant as epoch ms (for arithmetic and charts); null stays null. */
export function epochMs(value: IsoTime | null | undefined): number | null {
  return value === null || value === undefined ? null : Date.parse(value);
}

/** The last 60 minutes ending at `now`'s minute, gap-filled with zeros from `points`. */
export function timelineWindow(points: (MinutePoint | TimelinePoint)[], now: number): TimelinePoint[] {
  const byMinute = new Map<number, TimelinePoint>();
  for (const point of points) {
    const minute = typeof point.minute === "number" ? point.minute : Date.parse(point.minute);
    byMinute.set(Math.floor(minute / MINUTE_MS) * MINUTE_MS, { ...point, minute });
  }
  const last = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const window: TimelinePoint[] = [];
  for (let i = TIMELINE_MINUTES - 1; i >= 0; i--) {
    const minute = last - i * MINUTE_MS;
    const found = byMinute.get(minute);
    window.push({ minute, success: found?.success ?? 0, error: found?.error ?? 0 });
  }
  return window;
}

/** Counts one finished request into its minute (moving the window forward when it is newer). */
export function countInTimeline(timeline: TimelinePoint[], finishedAt: number, ok: boolean): TimelinePoint[] {
  const newest = timeline[timeline.length - 1]?.minute ?? 0;
  const window = finishedAt >= newest + MINUTE_MS ? timelineWindow(timeline, finishedAt) : timeline;
  const minute = Math.floor(finishedAt / MINUTE_MS) * MINUTE_MS;
  return window.map((point) =>
    point.minute !== minute
      ? point
      : { ...point, success: point.success + (ok ? 1 : 0), error: point.error + (ok ? 0 : 1) },
  );
}

/** Endpoint counters, fleet totals and per-endpoint token totals after one completed request. */
export function applyCompletion(overview: LiveOverview, record: CompletionJson): LiveOverview {
  const ok = record.status === "success";
  const stats = {
    ...overview.stats,
    total_requests: overview.stats.total_requests + 1,
    successful_requests: overview.stats.successful_requests + (ok ? 1 : 0),
    failed_requests: overview.stats.failed_requests + (ok ? 0 : 1),
    total_output_tokens: overview.stats.total_output_tokens + record.output_tokens,
    total_input_tokens: overview.stats.total_input_tokens + record.input_tokens,
  };
  if (record.endpoint_id === null) return { ...overview, stats };
  const endpoints = overview.endpoints.map((endpoint) =>
    endpoint.id !== record.endpoint_id
      ? endpoint
      : {
          ...endpoint,
          total_requests: (endpoint.total_requests ?? 0) + 1,
          successful_requests: (endpoint.successful_requests ?? 0) + (ok ? 1 : 0),
          failed_requests: (endpoint.failed_requests ?? 0) + (ok ? 0 : 1),
        },
  );
  const endpoint_tps = overview.endpoint_tps.map((row) =>
    row.endpoint_id !== record.endpoint_id
      ? row
      : {
          ...row,
          total_requests: row.total_requests + 1,
          total_output_tokens: row.total_output_tokens + (ok ? record.output_tokens : 0),
        },
  );
  return { ...overview, stats, endpoints, endpoint_tps };
}

/** A model TPS table after a TpsUpdated event: the row takes the event's figures (the tracker's, after the update). */
export function applyTps(rows: ModelTps[], event: EventJsonPayloads["TpsUpdated"]): ModelTps[] {
  const index = rows.findIndex((row) => row.model_id === event.model_id && row.api_kind === event.api_kind);
  const next: ModelTps = {
    model_id: event.model_id,
    api_kind: event.api_kind,
    tps: event.tps,
    request_count: event.request_count,
    total_output_tokens: event.total_output_tokens,
    average_duration_ms: event.average_duration_ms,
    ttft_ms: event.ttft_ms,
    decode_tps: event.decode_tps,
    load: event.load,
  };
  return index < 0 ? [...rows, next] : rows.map((row, i) => (i === index ? next : row));
}

/** aggregate_tps: the sum of the endpoint's measured model TPS values; null when none is measured. */
export function aggregateTps(rows: ModelTps[]): number | null {
  const measured = rows.filter((row) => row.tps !== null);
  return measured.length === 0 ? null : measured.reduce((sum, row) => sum + (row.tps ?? 0), 0);
}

export function withEndpointTps(overview: LiveOverview, endpointId: string, rows: ModelTps[]): LiveOverview {
  const summary: EndpointTpsSummary = {
    endpoint_id: endpointId,
    model_count: new Set(rows.map((row) => row.model_id)).size,
    aggregate_tps: aggregateTps(rows),
    total_output_tokens: rows.reduce((sum, row) => sum + row.total_output_tokens, 0),
    total_requests: rows.reduce((sum, row) => sum + row.request_count, 0),
  };
  const old = overview.endpoint_tps.find((row) => row.endpoint_id === endpointId);
  const merged = old
    ? {
        ...old,
        aggregate_tps: summary.aggregate_tps,
        model_count: Math.max(old.model_count, summary.model_count),
      }
    : summary;
  return {
    ...overview,
    endpoint_tps: old
      ? overview.endpoint_tps.map((row) => (row.endpoint_id === endpointId ? merged : row))
      : [...overview.endpoint_tps, merged],
  };
}

function recount(overview: LiveOverview, endpoints: LiveEndpoint[]): LiveOverview {
  const online = endpoints.filter((endpoint) => endpoint.status === "online").length;
  return {
    ...overview,
    endpoints,
    stats: {
      ...overview.stats,
      total_endpoints: endpoints.length,
      online_endpoints: online,
      offline_endpoints: endpoints.length - online,
    },
  };
}

export function applyStatus(
  overview: LiveOverview,
  event: EventJsonPayloads["EndpointStatusChanged"],
): LiveOverview {
  const endpoints = overview.endpoints.map((endpoint) =>
    endpoint.id !== event.endpoint_id
      ? endpoint
      : {
          ...endpoint,
          status: event.new_status,
          latency_ms: event.latency_ms ?? endpoint.latency_ms,
          last_error: event.last_error,
        },
  );
  return recount(overview, endpoints);
}

/** EndpointRegistered / EndpointUpdated: add the endpoint or merge the summary into it. */
export function applyEndpoint(overview: LiveOverview, event: EndpointSummaryEvent): LiveOverview {
  const summary = {
    name: event.name,
    base_url: event.base_url,
    endpoint_type: event.endpoint_type,
    status: event.status,
  };
  const exists = overview.endpoints.some((endpoint) => endpoint.id === event.endpoint_id);
  const endpoints = exists
    ? overview.endpoints.map((endpoint) =>
        endpoint.id === event.endpoint_id ? { ...endpoint, ...summary } : endpoint,
      )
    : [...overview.endpoints, { id: event.endpoint_id, latency_ms: null, ...summary }];
  return recount(overview, endpoints);
}

export function applyRemoved(overview: LiveOverview, endpointId: string): LiveOverview {
  const next = recount(
    overview,
    overview.endpoints.filter((endpoint) => endpoint.id !== endpointId),
  );
  return { ...next, endpoint_tps: next.endpoint_tps.filter((row) => row.endpoint_id !== endpointId) };
}

export function applyMetrics(overview: LiveOverview, snapshot: MetricsSnapshot): LiveOverview {
  return { ...overview, stats: { ...overview.stats, ...snapshot } };
}

/** A completion record as a request-history row (live rows at the top of the table). */
export function completionRow(record: CompletionJson): RequestRow {
  return {
    request_id: record.request_id,
    timestamp: record.finished_at,
    endpoint_id: record.endpoint_id,
    endpoint_name: record.endpoint_name,
    model: record.model,
    api_kind: record.api_kind,
    stream: record.stream,
    status: record.status,
    status_code: record.status_code,
    error: record.error,
    duration_ms: record.duration_ms,
    ttft_ms: record.ttft_ms,
    input_tokens: record.input_tokens,
    output_tokens: record.output_tokens,
    total_tokens: record.input_tokens + record.output_tokens,
    tokens_estimated: record.estimated,
    client_ip: record.client_ip,
    source: record.source,
  };
}
