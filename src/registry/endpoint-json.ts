// Owns the REST shape of an endpoint (snake_case, ISO times) and of its models; never carries the API key.

import type { CircuitState } from "../balancer/circuit-breaker.js";
import type { EndpointRecord, StoredModel } from "./types.js";

/** The request counters endpoint JSON carries (live: persisted plus not yet written). */
export interface EndpointCounters {
  total_requests: number;
  successful_requests: number;
  failed_requests: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function endpointJson(record: EndpointRecord, counters: EndpointCounters, circuitState: CircuitState) {
  return {
    id: record.id,
    name: record.name,
    base_url: record.baseUrl,
    endpoint_type: record.endpointType,
    status: record.status,
    latency_ms: record.latencyMs,
    last_seen: iso(record.lastSeen),
    last_error: record.lastError,
    error_count: record.errorCount,
    health_check_interval_secs: record.healthCheckIntervalSecs,
    inference_timeout_secs: record.inferenceTimeoutSecs,
    max_concurrency: record.maxConcurrency,
    notes: record.notes,
    registered_at: iso(record.registeredAt),
    total_requests: counters.total_requests,
    successful_requests: counters.successful_requests,
    failed_requests: counters.failed_requests,
    has_api_key: record.hasApiKey,
    /** The proxy's circuit breaker for this endpoint: closed | open | half_open. */
    circuit_state: circuitState,
  };
}

export function modelJson(endpointId: string, model: StoredModel) {
  return {
    model_id: model.id,
    endpoint_id: endpointId,
    owned_by: model.ownedBy,
    added_at: iso(model.addedAt),
    updated_at: iso(model.updatedAt),
  };
}
