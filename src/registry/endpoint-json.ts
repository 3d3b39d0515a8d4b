// Owns the REST shape of an endpoint (snake_case, ISO times) and of its models; never carries the API key.

import type { CircuitState } from "../balancer/circuit-breaker.js";
import type { EndpointStatus } from "../events/types.js";
import { type IsoTime, isoTime, isoTimeOrNull } from "../http/wire-time.js";
import type { CountersJson } from "../stats/counters-json.js";
import type { EndpointRecord, EndpointType, StoredModel } from "./types.js";

/** The request counters endpoint JSON carries. */
export type EndpointCountersJson = Pick<
  CountersJson,
  "total_requests" | "successful_requests" | "failed_requests"
>;

/** One endpoint as /api/endpoints answers it. */
export interface EndpointJson extends EndpointCountersJson {
  id: string;
  name: string;
  base_url: string;
  endpoint_type: EndpointType;
  status: EndpointStatus;
  latency_ms: number | null;
  last_seen: IsoTime | null;
  last_error: string | null;
  error_count: number;
  health_check_interval_secs: number;
  inference_timeout_secs: number;
  max_concurrency: number | null;
  notes: string | null;
  registered_at: IsoTime;
  has_api_key: boolean;
  /** The proxy's circuit breaker for this endpoint: closed | open | half_open. */
  circuit_state: CircuitState;
}

export function endpointJson(
  record: EndpointRecord,
  counters: EndpointCountersJson,
  circuitState: CircuitState,
): EndpointJson {
  return {
    id: record.id,
    name: record.name,
    base_url: record.baseUrl,
    endpoint_type: record.endpointType,
    status: record.status,
    latency_ms: record.latencyMs,
    last_seen: isoTimeOrNull(record.lastSeen),
    last_error: record.lastError,
    error_count: record.errorCount,
    health_check_interval_secs: record.healthCheckIntervalSecs,
    inference_timeout_secs: record.inferenceTimeoutSecs,
    max_concurrency: record.maxConcurrency,
    notes: record.notes,
    registered_at: isoTime(record.registeredAt),
    total_requests: counters.total_requests,
    successful_requests: counters.successful_requests,
    failed_requests: counters.failed_requests,
    has_api_key: record.hasApiKey,
    circuit_state: circuitState,
  };
}

/** One model of an endpoint, as /api/endpoints/{id}/models and the endpoint detail list it. */
export interface ModelJson {
  model_id: string;
  endpoint_id: string;
  owned_by: string | null;
  added_at: IsoTime;
  updated_at: IsoTime;
}

export function modelJson(endpointId: string, model: StoredModel): ModelJson {
  return {
    model_id: model.id,
    endpoint_id: endpointId,
    owned_by: model.ownedBy,
    added_at: isoTime(model.addedAt),
    updated_at: isoTime(model.updatedAt),
  };
}

/** GET /api/endpoints/{id}: the endpoint with its models. */
export type EndpointDetailJson = EndpointJson & { models: ModelJson[] };
