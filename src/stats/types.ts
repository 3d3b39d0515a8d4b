// Owns the contract between the proxy (which produces completion records) and their consumers, and the
// read side of the live request statistics (dashboard, metrics, endpoint JSON).
import type { CompletionRecord } from "../events/types.js";
import type { IsoTime } from "../http/wire-time.js";

/** Request/response bodies of one request; stored in request_history only with LLMLB_LOG_BODIES=1. */
export interface RecordedBodies {
  request: string | null;
  /** A stream's answer reassembled as JSON (never raw SSE). */
  response: string | null;
  /** The answer was already cut before it reached the sink (a stream's text beyond the cap). */
  responseTruncated?: boolean;
}

/** The bodies as stored: each capped at LLMLB_LOG_BODY_MAX_BYTES (UTF-8), with a flag when cut. */
export interface StoredBodies {
  request: string | null;
  response: string | null;
  requestTruncated: boolean;
  responseTruncated: boolean;
}

/** One endpoint tried for a request, in order; status_code null when it never answered. */
export interface AttemptJson {
  endpoint_id: string;
  endpoint_name: string;
  status_code: number | null;
  /** Why the attempt failed over (null for the one that answered). */
  error: string | null;
}

/** What a finished request carries besides its completion record. */
export interface RequestDetails {
  /** The endpoints tried, in order (empty when none was). */
  attempts: AttemptJson[];
  /** Only when the sink stores bodies. */
  bodies?: RecordedBodies;
}

export interface CompletionSink {
  /** Whether record() stores bodies (LLMLB_LOG_BODIES): callers skip collecting them otherwise. */
  readonly logsBodies?: boolean;
  /** The cap on each stored body, bytes (LLMLB_LOG_BODY_MAX_BYTES); what a stream transcript keeps at most. */
  readonly bodyMaxBytes?: number;
  /** Called once per finished request; must return at once (no I/O on the caller's path). */
  record(completion: CompletionRecord, details?: RequestDetails): void;
}

/** Request counters of one endpoint (or all of them); the same columns as the `endpoints` table. */
export interface RequestCounters {
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  totalInputTokens: number;
  totalOutputTokens: number;
}

/** One minute of the request timeline (GET /api/dashboard/request-history); `minute` is its start. */
export interface MinutePoint {
  minute: IsoTime;
  success: number;
  error: number;
}

/** One (model, UTC date, api kind) row of daily statistics for an endpoint. */
export interface DailyStatsRow {
  endpointId: string;
  modelId: string;
  /** YYYY-MM-DD, UTC. */
  date: string;
  apiKind: string;
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  totalInputTokens: number;
  /** Output tokens of successful requests that produced tokens. */
  totalOutputTokens: number;
  /** Whole-request durations of those same requests, ms; daily TPS = tokens / (ms / 1000). */
  totalDurationMs: number;
}

/**
 * Live request statistics, always at least as new as the database (memory only, never blocks).
 * Counters are the persisted `endpoints` counters plus what this instance recorded and not yet flushed.
 */
export interface LiveStats {
  /** Zeros for an endpoint with no requests. */
  countersOf(endpointId: string): RequestCounters;
  /** Sum over endpoints. */
  totals(): RequestCounters;
  /** Requests this process / isolate itself finished since it started (nothing from the database). */
  servedSinceStart(): RequestCounters;
  /** The last 60 minutes, oldest first, gap-filled with zeros (the current minute last). */
  history(): MinutePoint[];
  /**
   * Mean duration of the most recent successful requests (carried over a restart from request_history);
   * without any, the mean measured endpoint latency; null when nothing was ever measured.
   */
  averageResponseTimeMs(): number | null;
  /** Daily rows recorded by this instance and not yet in the database (merge them into database reads). */
  pendingDaily(endpointId: string): DailyStatsRow[];
}
