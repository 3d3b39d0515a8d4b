// Owns the health state machine: how one probe outcome moves an endpoint's status (pure).
import type { EndpointStatus } from "../events/types.js";

/** Consecutive failures after which an endpoint in `error` is declared `offline`. */
export const FAILURES_BEFORE_OFFLINE = 2;

export interface HealthState {
  status: EndpointStatus;
  /** Consecutive failed probes; 0 after a success. */
  errorCount: number;
  /** Last successful probe round trip, ms; kept on failure. */
  latencyMs: number | null;
  /** Epoch ms of the last successful probe. */
  lastSeen: number | null;
  lastError: string | null;
}

export type ProbeOutcome = { ok: true; latencyMs: number } | { ok: false; error: string };

/**
 * success → online (error_count 0, latency and last_seen updated, last_error cleared);
 * failure: pending → offline, online → error, error → offline once FAILURES_BEFORE_OFFLINE consecutive
 * failures are reached; latency and last_seen are kept.
 */
export function nextHealth(current: HealthState, outcome: ProbeOutcome, now: number): HealthState {
  if (outcome.ok) {
    return { status: "online", errorCount: 0, latencyMs: outcome.latencyMs, lastSeen: now, lastError: null };
  }
  const errorCount = current.errorCount + 1;
  let status: EndpointStatus;
  switch (current.status) {
    case "online":
      status = "error";
      break;
    case "error":
      status = errorCount >= FAILURES_BEFORE_OFFLINE ? "offline" : "error";
      break;
    default:
      status = "offline";
  }
  return { ...current, status, errorCount, lastError: outcome.error };
}
