// Owns the event vocabulary: the payloads on the in-process bus, and their wire form on /api/events that
// the dashboard reads (via `import type`). Also the wire form of request counters, which events carry.
import type { IsoTime } from "../http/wire-time.js";

export type EndpointStatus = "pending" | "online" | "offline" | "error";
export type ApiKind =
  | "chat_completions"
  | "completions"
  | "responses"
  | "embeddings"
  | "messages"
  | "audio_transcriptions"
  | "audio_speech"
  | "images";
/** Who sent a request: a client of /v1 (`api`), the dashboard's playground, or a TPS benchmark run. */
export type RequestSource = "api" | "playground" | "benchmark";

/** One finished proxied request, as handed to the recorder and the TPS tracker. Never carries bodies. */
export interface CompletionRecord {
  request_id: string;
  /** Epoch ms when the request finished. */
  finished_at: number;
  endpoint_id: string | null;
  endpoint_name: string | null;
  /** The model name the client asked for. */
  model: string;
  /** The model id as the chosen endpoint names it (TPS and daily stats are keyed by it); null without an endpoint. */
  endpoint_model: string | null;
  api_kind: ApiKind;
  status: "success" | "error";
  /** HTTP status sent to the client (0 when the client went away before headers). */
  status_code: number;
  error: string | null;
  input_tokens: number;
  output_tokens: number;
  /** true when output/input tokens were estimated from text because the upstream reported none. */
  estimated: boolean;
  /** Time to first byte from the upstream, ms; null when no byte arrived. */
  ttft_ms: number | null;
  /** Whole request (whole stream) duration, ms. */
  duration_ms: number;
  stream: boolean;
  /**
   * Mean requests in flight at the endpoint while the answering attempt ran (itself included, ≥ 1);
   * null or absent without an endpoint. Feeds the learned load profile.
   */
  concurrency?: number | null;
  client_ip: string | null;
  api_key_id: string | null;
  source: RequestSource;
}

export interface EndpointSummaryEvent {
  endpoint_id: string;
  name: string;
  base_url: string;
  endpoint_type: string;
  status: EndpointStatus;
}

/** Request counters on the wire (an endpoint, the fleet, a day, a model); built by stats/counters-json.ts. */
export interface CountersJson {
  total_requests: number;
  successful_requests: number;
  failed_requests: number;
  total_input_tokens: number;
  total_output_tokens: number;
}

export interface MetricsSnapshot
  extends Pick<
    CountersJson,
    "total_requests" | "successful_requests" | "failed_requests" | "total_output_tokens"
  > {
  active_requests: number;
  queued_requests: number;
  online_endpoints: number;
  total_endpoints: number;
  average_response_time_ms: number | null;
}

/** One structured log line as the logger wrote it: time, level, msg and its fields. */
export interface LogLineJson {
  time: IsoTime;
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  [field: string]: unknown;
}

export interface ModelLoadPoint {
  /** Upper bound of the level: requests in flight 1, 2, 3–4 (4), 5–8 (8), … */
  in_flight: number;
  /** Mean requests in flight of the requests measured in this level, one decimal. */
  mean_in_flight: number;
  /** Per-stream decode tok/s, EMA α=0.3, one decimal; null when no stream measured it. */
  decode_tps: number | null;
  /** Time to first byte, ms, EMA α=0.3 (it jumps where requests queue at the server). */
  ttft_ms: number | null;
  requests: number;
}

export interface ModelLoad {
  /** Measured levels only, lowest first. */
  curve: ModelLoadPoint[];
  /** Requests in flight each keeps its alone speed up to (1: the server splits its speed); null until known. */
  slots: number | null;
  /** Decode tok/s of one stream alone, EMA; null until a stream ran alone. */
  solo_decode_tps: number | null;
  /** Prompt tok/s of prefill alone (from the TTFT fit); null until known or when TTFT does not grow with the prompt. */
  prefill_tps: number | null;
  /** TTFT of an empty prompt alone, ms (network and fixed overhead). */
  prefill_base_ms: number | null;
  /** What loading the model cost when it was cold, ms; null until a cold start was seen. */
  load_ms: number | null;
  /** Whether the server reports the model loaded (Ollama /api/ps); null when it does not say. */
  loaded: boolean | null;
  /** When the last request this profile learned from finished. */
  last_seen_at: IsoTime | null;
}

/** Payloads by event type on the in-process bus; the SSE `event:` field is the type name. */
export interface EventPayloads {
  TpsUpdated: {
    endpoint_id: string;
    model_id: string;
    api_kind: ApiKind;
    /** EMA after this update, tokens/s (output tokens / whole-request seconds). */
    tps: number | null;
    /** This request's output tokens and whole-request duration, ms. */
    output_tokens: number;
    duration_ms: number;
    /** The key's totals and routing signals after the update (what model-tps reports, unrounded). */
    request_count: number;
    total_output_tokens: number;
    average_duration_ms: number | null;
    ttft_ms: number | null;
    decode_tps: number | null;
    /** What routing learned about the endpoint × model under load, after this request. */
    load: ModelLoad | null;
  };
  RequestCompleted: CompletionRecord;
  EndpointStatusChanged: {
    endpoint_id: string;
    old_status: EndpointStatus;
    new_status: EndpointStatus;
    latency_ms: number | null;
    last_error: string | null;
  };
  EndpointRegistered: EndpointSummaryEvent;
  EndpointUpdated: EndpointSummaryEvent;
  EndpointRemoved: { endpoint_id: string };
  MetricsUpdated: MetricsSnapshot;
  /**
   * A new balancer log line: admins only, sent without an id (never replayed; a reconnecting log view
   * refetches GET /api/dashboard/logs/lb).
   */
  LogLine: LogLineJson;
  /** A TPS benchmark run moved on (throttled while running; always sent when it ends). */
  BenchmarkProgress: BenchmarkProgressEvent;
}

export interface BenchmarkProgressEvent {
  run_id: string;
  status: "running" | "completed" | "cancelled" | "failed";
  done: number;
  total: number;
}

export type EventType = keyof EventPayloads;

export type AppEvent = {
  [K in EventType]: { type: K; data: EventPayloads[K] };
}[EventType];

/** An event as stored and delivered: with its monotonically increasing id and publish time (epoch ms). */
export type PublishedEvent = AppEvent & { id: number; at: number };

/** A completion record with its instant in the wire form, as completionsOf() reads it from a RequestsCompleted batch. */
export type CompletionJson = Omit<CompletionRecord, "finished_at"> & { finished_at: IsoTime };

/** The fields requests of one RequestsCompleted group share (events/completion-batch.ts builds and reads it). */
export type CompletionGroupField =
  | "endpoint_id"
  | "endpoint_name"
  | "model"
  | "endpoint_model"
  | "api_kind"
  | "status"
  | "status_code"
  | "error"
  | "stream"
  | "estimated"
  | "client_ip"
  | "api_key_id"
  | "source";

/** The names of a RequestsCompleted row's values (its `columns`); `finished_after_ms` is finished_at − base_at in ms. */
export const COMPLETION_ROW_COLUMNS = [
  "request_id",
  "finished_after_ms",
  "input_tokens",
  "output_tokens",
  "ttft_ms",
  "duration_ms",
  "concurrency",
] as const;

/** One request's own values, in COMPLETION_ROW_COLUMNS order. */
export type CompletionRowJson = [
  request_id: string,
  finished_after_ms: number,
  input_tokens: number,
  output_tokens: number,
  ttft_ms: number | null,
  duration_ms: number,
  concurrency: number | null,
];

/** Requests that share every CompletionGroupField value, in the order they finished. */
export type CompletionGroupJson = Pick<CompletionRecord, CompletionGroupField> & {
  rows: CompletionRowJson[];
};

/** The data of a RequestsCompleted event: every request finished since the previous one, none left out. */
export interface CompletionBatchJson {
  /** finished_at of the batch's first request; each row's instant is this plus its finished_after_ms. */
  base_at: IsoTime;
  columns: typeof COMPLETION_ROW_COLUMNS;
  groups: CompletionGroupJson[];
}

/**
 * Payloads by event type as the SSE `data:` line carries them: the bus's payloads as they are, except that
 * RequestCompleted records travel as RequestsCompleted batches (events/completion-batch.ts).
 */
export type EventJsonPayloads = Omit<EventPayloads, "RequestCompleted"> & {
  RequestsCompleted: CompletionBatchJson;
};

/** The `event:` names /api/events sends (besides `reset`). */
export type WireEventType = keyof EventJsonPayloads;
