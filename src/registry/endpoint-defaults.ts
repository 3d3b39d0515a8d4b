// Owns how an endpoint is born: the one place its defaults live (newEndpoint) and the row → record mapping.
import type { EndpointFields } from "./store.js";
import type { EndpointRecord, EndpointType } from "./types.js";

/** Inference timeout when none is set, seconds. */
export const DEFAULT_INFERENCE_TIMEOUT_SECS = 120;

export interface EndpointDefaults {
  /** LLMLB_HEALTH_CHECK_INTERVAL_SECS: used when a caller sets no interval, seconds. */
  healthCheckIntervalSecs: number;
}

/** What a caller may give a new endpoint; anything left out takes its default. */
export interface NewEndpointInput {
  name: string;
  baseUrl: string;
  apiKeyEncrypted?: string | null;
  /** Given: the type is explicit (detection never overrides it). */
  endpointType?: EndpointType;
  healthCheckIntervalSecs?: number;
  inferenceTimeoutSecs?: number;
  maxConcurrency?: number | null;
  notes?: string | null;
}

/** A new `pending` endpoint row: nothing measured yet, every unset field at its default. */
export function newEndpoint(
  defaults: EndpointDefaults,
  input: NewEndpointInput,
  identity: { id: string; now: number },
): EndpointFields {
  return {
    id: identity.id,
    name: input.name,
    baseUrl: input.baseUrl,
    apiKeyEncrypted: input.apiKeyEncrypted ?? null,
    endpointType: input.endpointType ?? "openai_compatible",
    typeExplicit: input.endpointType !== undefined,
    status: "pending",
    latencyMs: null,
    lastSeen: null,
    lastError: null,
    errorCount: 0,
    healthCheckIntervalSecs: input.healthCheckIntervalSecs ?? defaults.healthCheckIntervalSecs,
    inferenceTimeoutSecs: input.inferenceTimeoutSecs ?? DEFAULT_INFERENCE_TIMEOUT_SECS,
    maxConcurrency: input.maxConcurrency ?? null,
    notes: input.notes ?? null,
    registeredAt: identity.now,
    updatedAt: identity.now,
  };
}

export function toRecord(row: EndpointFields): EndpointRecord {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    endpointType: row.endpointType as EndpointType,
    status: row.status as EndpointRecord["status"],
    latencyMs: row.latencyMs,
    lastSeen: row.lastSeen,
    lastError: row.lastError,
    errorCount: row.errorCount,
    healthCheckIntervalSecs: row.healthCheckIntervalSecs,
    inferenceTimeoutSecs: row.inferenceTimeoutSecs,
    maxConcurrency: row.maxConcurrency,
    notes: row.notes,
    registeredAt: row.registeredAt,
    updatedAt: row.updatedAt,
    hasApiKey: row.apiKeyEncrypted !== null,
  };
}
