// Owns the shapes the dashboard reads from the llmlb API (SPEC.md "Dashboard API and events").
// Fields marked optional are tolerated when absent; the event payloads come from src/events/types.ts.
import type { Priority as KeyPriority } from "../../../src/balancer/fair-queue.js";
import type { ApiKind, EndpointStatus, ModelLoad } from "../../../src/events/types.js";

export type { ApiKind, EndpointStatus, KeyPriority, ModelLoad };
export type CircuitState = "closed" | "open" | "half_open";

export interface User {
  id?: string;
  username: string;
  role: "admin" | "viewer";
  must_change_password?: boolean;
}

export interface Endpoint {
  id: string;
  name: string;
  base_url: string;
  endpoint_type: string;
  status: EndpointStatus;
  latency_ms: number | null;
  last_seen?: number | string | null;
  last_error?: string | null;
  error_count?: number;
  health_check_interval_secs?: number;
  inference_timeout_secs?: number;
  max_concurrency?: number | null;
  notes?: string | null;
  registered_at?: number | string;
  total_requests?: number;
  successful_requests?: number;
  failed_requests?: number;
  model_count?: number;
  circuit_state?: CircuitState;
  has_api_key?: boolean;
  models?: (string | { model_id?: string; id?: string })[];
}

export interface OverviewStats {
  total_endpoints: number;
  online_endpoints: number;
  offline_endpoints?: number;
  total_requests: number;
  successful_requests: number;
  failed_requests: number;
  active_requests: number;
  queued_requests: number;
  average_response_time_ms: number | null;
  total_input_tokens?: number;
  total_output_tokens: number;
}

/** One minute of the timeline; `minute` is epoch ms or an ISO timestamp of the minute's start. */
export interface HistoryPoint {
  minute: number | string;
  success: number;
  error: number;
}

export interface EndpointTps {
  endpoint_id: string;
  model_count: number;
  aggregate_tps: number | null;
  total_output_tokens: number;
  total_requests: number;
}

export interface Overview {
  endpoints: Endpoint[];
  stats: OverviewStats;
  history: HistoryPoint[];
  endpoint_tps: EndpointTps[];
  generated_at?: number | string;
}

export interface ModelTps {
  model_id: string;
  api_kind: ApiKind;
  tps: number | null;
  request_count: number;
  total_output_tokens: number;
  average_duration_ms: number | null;
  ttft_ms: number | null;
  decode_tps?: number | null;
  load?: ModelLoad | null;
}

export interface DailyStat {
  date: string;
  model_id?: string;
  total_requests?: number;
  successful_requests?: number;
  failed_requests?: number;
  total_output_tokens: number;
  total_duration_ms: number;
  tps?: number | null;
}

export interface TodayStats {
  total_requests: number;
  successful_requests: number;
  failed_requests: number;
  total_output_tokens?: number;
}

export interface RequestRecord {
  id?: string | number;
  request_id?: string;
  /** When it finished: epoch ms or ISO. */
  created_at?: number | string;
  timestamp?: number | string;
  finished_at?: number;
  endpoint_id: string | null;
  endpoint_name: string | null;
  model: string;
  api_kind: ApiKind;
  status: "success" | "error";
  status_code?: number;
  error: string | null;
  duration_ms: number;
  ttft_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  tokens_estimated?: boolean;
  estimated?: boolean;
  client_ip: string | null;
}

export interface RequestPage {
  records: RequestRecord[];
  total_count: number;
  page: number;
  per_page: number;
}

export interface ApiKey {
  id: string;
  name: string;
  key_prefix?: string;
  prefix?: string;
  permissions: string[];
  created_at?: number | string;
  expires_at?: number | string | null;
  last_used_at?: number | string | null;
  priority?: KeyPriority;
}

export const PERMISSIONS = [
  "openai.inference",
  "openai.models.read",
  "endpoints.read",
  "endpoints.manage",
  "metrics.read",
] as const;
