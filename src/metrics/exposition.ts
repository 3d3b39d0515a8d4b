// Owns what GET /metrics exposes: the request metrics plus live gauges (TPS, in-flight, queue, endpoint
// status, latency, circuit state, SSE clients) read from memory at scrape time. Pure over its sources.
import type { TpsEntry } from "../balancer/tps-tracker.js";
import type { EventStreamStats } from "../events/event-stream.js";
import type { EndpointStatus } from "../events/types.js";
import type { EndpointRecord } from "../registry/types.js";
import type { MetricFamily, Sample } from "./prom-text.js";
import type { RequestMetrics } from "./request-metrics.js";

export const CIRCUIT_STATES = ["closed", "open", "half_open"] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];
const STATUSES: EndpointStatus[] = ["pending", "online", "offline", "error"];

export interface MetricsSources {
  endpoints(): EndpointRecord[];
  /** Requests in flight on one endpoint (streams until their last byte). */
  inFlight(endpointId: string): number;
  /** Requests waiting in the per-model queues. */
  queued(): number;
  /** undefined when the proxy keeps no breaker state for the endpoint (treated as closed). */
  circuitState(endpointId: string): CircuitState | undefined;
  tps(): TpsEntry[];
  eventStream(): EventStreamStats;
}

export function metricsFamilies(requests: RequestMetrics, sources: MetricsSources): MetricFamily[] {
  const endpoints = sources.endpoints();
  const nameOf = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint.name]));
  const endpointLabels = (endpoint: EndpointRecord) => ({
    endpoint_id: endpoint.id,
    endpoint: endpoint.name,
  });
  const tps = sources.tps();
  const speed = (pick: (entry: TpsEntry) => number | null): Sample[] =>
    tps.flatMap((entry) => {
      const value = pick(entry);
      if (value === null) return [];
      const labels = {
        endpoint_id: entry.endpointId,
        endpoint: nameOf.get(entry.endpointId) ?? "",
        model: entry.model,
        api_kind: entry.apiKind,
      };
      return [{ labels, value }];
    });
  const sse = sources.eventStream();

  return [
    ...requests.families(),
    {
      name: "llmlb_tokens_per_second",
      help: "Output tokens per whole-request second, EMA (alpha 0.2) per endpoint, model and api kind.",
      type: "gauge",
      samples: speed((entry) => entry.tps),
    },
    {
      name: "llmlb_decode_tokens_per_second",
      help: "Tokens after the first per second after the first byte (streams), EMA (alpha 0.2).",
      type: "gauge",
      samples: speed((entry) => entry.decodeTps),
    },
    {
      name: "llmlb_in_flight_requests",
      help: "Requests in flight per endpoint; a stream counts until its last byte.",
      type: "gauge",
      samples: endpoints.map((endpoint) => ({
        labels: endpointLabels(endpoint),
        value: sources.inFlight(endpoint.id),
      })),
    },
    {
      name: "llmlb_queued_requests",
      help: "Requests waiting for a free endpoint in the per-model queues.",
      type: "gauge",
      samples: [{ labels: {}, value: sources.queued() }],
    },
    {
      name: "llmlb_endpoint_up",
      help: "1 when the endpoint is online, else 0.",
      type: "gauge",
      samples: endpoints.map((endpoint) => ({
        labels: { ...endpointLabels(endpoint), endpoint_type: endpoint.endpointType },
        value: endpoint.status === "online" ? 1 : 0,
      })),
    },
    {
      name: "llmlb_endpoint_status",
      help: "1 for the endpoint's current health status, 0 for the others.",
      type: "gauge",
      samples: endpoints.flatMap((endpoint) =>
        STATUSES.map((status) => ({
          labels: { ...endpointLabels(endpoint), status },
          value: endpoint.status === status ? 1 : 0,
        })),
      ),
    },
    {
      name: "llmlb_endpoint_latency_seconds",
      help: "Round trip of the endpoint's last successful health probe (kept while it is offline).",
      type: "gauge",
      samples: endpoints
        .filter((endpoint) => endpoint.latencyMs !== null)
        .map((endpoint) => ({ labels: endpointLabels(endpoint), value: (endpoint.latencyMs ?? 0) / 1000 })),
    },
    {
      name: "llmlb_endpoint_circuit_state",
      help: "1 for the endpoint's current circuit breaker state (closed, open, half_open), 0 for the others.",
      type: "gauge",
      samples: endpoints.flatMap((endpoint) => {
        const current = sources.circuitState(endpoint.id) ?? "closed";
        return CIRCUIT_STATES.map((state) => ({
          labels: { ...endpointLabels(endpoint), state },
          value: current === state ? 1 : 0,
        }));
      }),
    },
    {
      name: "llmlb_sse_clients",
      help: "Clients connected to GET /api/events.",
      type: "gauge",
      samples: [{ labels: {}, value: sse.clients }],
    },
    {
      name: "llmlb_sse_slow_client_disconnects_total",
      help: "SSE clients disconnected because they fell too far behind.",
      type: "counter",
      samples: [{ labels: {}, value: sse.slowDisconnects }],
    },
  ];
}
