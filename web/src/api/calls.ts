// Owns the small functions the components call, one per API route the dashboard uses.
import type { BenchmarkRunJson, BenchmarkRunsJson } from "../../../src/benchmarks/figures.js";
import type { BenchmarkStart } from "../../../src/routes/benchmarks.js";
import type { LbLogsJson } from "../../../src/routes/logs.js";
import type { ModelListJson } from "../../../src/routes/models.js";
import { api, query, setCsrfToken } from "./http.js";
import type {
  ApiKey,
  DailyStat,
  Endpoint,
  ModelTps,
  Overview,
  RequestPage,
  TodayStats,
  User,
} from "./types.js";

interface SessionAnswer {
  user?: User;
  csrf_token?: string;
}

/** Accepts `{user, csrf_token}` or a bare user object. */
function sessionFrom(answer: SessionAnswer & Partial<User>): User {
  if (answer.csrf_token) setCsrfToken(answer.csrf_token);
  return answer.user ?? (answer as User);
}

export async function login(username: string, password: string): Promise<User> {
  const answer = await api<SessionAnswer>("/api/auth/login", {
    method: "POST",
    body: { username, password },
    anonymous: true,
  });
  return sessionFrom(answer);
}

export async function me(): Promise<User> {
  return sessionFrom(await api<SessionAnswer>("/api/auth/me", { anonymous: true }));
}

export async function logout(): Promise<void> {
  await api("/api/auth/logout", { method: "POST", anonymous: true });
  setCsrfToken(null);
}

export const changePassword = (current_password: string, new_password: string) =>
  api<unknown>("/api/auth/change-password", { method: "POST", body: { current_password, new_password } });

export const fetchOverview = () => api<Overview>("/api/dashboard/overview");

export const fetchModelTps = (id: string) =>
  api<ModelTps[]>(`/api/endpoints/${encodeURIComponent(id)}/model-tps`);

export async function fetchDailyStats(id: string, days: number): Promise<DailyStat[]> {
  const answer = await api<DailyStat[] | { days?: DailyStat[]; stats?: DailyStat[] }>(
    `/api/endpoints/${encodeURIComponent(id)}/daily-stats${query({ days })}`,
  );
  return Array.isArray(answer) ? answer : (answer.days ?? answer.stats ?? []);
}

export const fetchTodayStats = (id: string) =>
  api<TodayStats>(`/api/endpoints/${encodeURIComponent(id)}/today-stats`);

export const fetchEndpoint = (id: string) => api<Endpoint>(`/api/endpoints/${encodeURIComponent(id)}`);

/** What the add/edit form sends; empty optional fields are left out. */
export interface EndpointInput {
  name?: string;
  base_url?: string;
  api_key?: string;
  endpoint_type?: string;
  health_check_interval_secs?: number;
  inference_timeout_secs?: number;
  max_concurrency?: number | null;
  notes?: string;
}

export const createEndpoint = (input: EndpointInput) =>
  api<Endpoint>("/api/endpoints", { method: "POST", body: input });

export const updateEndpoint = (id: string, input: EndpointInput) =>
  api<Endpoint>(`/api/endpoints/${encodeURIComponent(id)}`, { method: "PUT", body: input });

export const deleteEndpoint = (id: string) =>
  api<void>(`/api/endpoints/${encodeURIComponent(id)}`, { method: "DELETE" });

export interface TestResult {
  success: boolean;
  latency_ms: number | null;
  error: string | null;
  models_found?: number;
}
export const testEndpoint = (id: string) =>
  api<TestResult>(`/api/endpoints/${encodeURIComponent(id)}/test`, { method: "POST" });

export interface SyncResult {
  synced_models: number | unknown[];
  added: number | unknown[];
  removed: number | unknown[];
  updated: number | unknown[];
}
export const syncEndpoint = (id: string) =>
  api<SyncResult>(`/api/endpoints/${encodeURIComponent(id)}/sync`, { method: "POST" });

export interface RequestFilters {
  page: number;
  per_page: number;
  model?: string;
  endpoint_id?: string;
  status?: string;
}
export const fetchRequests = (filters: RequestFilters) =>
  api<RequestPage>(`/api/dashboard/request-responses${query({ ...filters })}`);

export async function fetchApiKeys(): Promise<ApiKey[]> {
  const answer = await api<ApiKey[] | { api_keys?: ApiKey[]; keys?: ApiKey[]; data?: ApiKey[] }>(
    "/api/api-keys",
  );
  return Array.isArray(answer) ? answer : (answer.api_keys ?? answer.keys ?? answer.data ?? []);
}

export interface CreatedKey extends ApiKey {
  /** The plaintext key; the API shows it only in this answer. */
  key: string;
}
export const createApiKey = (name: string, permissions: string[], expires_at?: string) =>
  api<CreatedKey>("/api/api-keys", { method: "POST", body: { name, permissions, expires_at } });

export const deleteApiKey = (id: string) =>
  api<void>(`/api/api-keys/${encodeURIComponent(id)}`, { method: "DELETE" });

export const fetchModels = () => api<ModelListJson>("/v1/models");

export const startBenchmark = (params: BenchmarkStart) =>
  api<{ run_id: string }>("/api/benchmarks/tps", { method: "POST", body: params });
export const fetchBenchmark = (runId: string) =>
  api<BenchmarkRunJson>(`/api/benchmarks/tps/${encodeURIComponent(runId)}`);
export const fetchBenchmarks = () => api<BenchmarkRunsJson>("/api/benchmarks/tps");
export const cancelBenchmark = (runId: string) =>
  api<BenchmarkRunJson>(`/api/benchmarks/tps/${encodeURIComponent(runId)}`, { method: "DELETE" });

export const fetchLbLogs = (limit: number) => api<LbLogsJson>(`/api/dashboard/logs/lb${query({ limit })}`);
