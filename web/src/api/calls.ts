// Owns the small functions the components call, one per API route the dashboard uses. Each answers the
// server's own response type (web/src/api/types.ts re-exports them from src/).
import { api, query, setCsrfToken } from "./http.js";
import type {
  BenchmarkRunJson,
  BenchmarkRunsJson,
  BenchmarkStart,
  ClientHeatmapJson,
  ClientsJson,
  DailyTokensJson,
  DayStats,
  EndpointCreateInput,
  EndpointDetailJson,
  EndpointJson,
  EndpointUpdateInput,
  LbLogsJson,
  LoginJson,
  ModelListJson,
  ModelTps,
  MonthlyTokensJson,
  Overview,
  RequestDetailJson,
  RequestResponsesPage,
  SessionJson,
  SyncResult,
  TestResult,
  TokenTotalsJson,
  User,
} from "./types.js";

function sessionFrom(answer: SessionJson): User {
  setCsrfToken(answer.csrf_token);
  return answer.user;
}

export async function login(username: string, password: string): Promise<User> {
  const answer = await api<LoginJson>("/api/auth/login", {
    method: "POST",
    body: { username, password },
    anonymous: true,
  });
  return sessionFrom(answer);
}

export async function me(): Promise<User> {
  return sessionFrom(await api<SessionJson>("/api/auth/me", { anonymous: true }));
}

export async function logout(): Promise<void> {
  await api("/api/auth/logout", { method: "POST", anonymous: true });
  setCsrfToken(null);
}

export const changePassword = (current_password: string, new_password: string) =>
  api<void>("/api/auth/change-password", { method: "POST", body: { current_password, new_password } });

export const fetchOverview = () => api<Overview>("/api/dashboard/overview");

const endpointPath = (id: string) => `/api/endpoints/${encodeURIComponent(id)}`;

export const fetchModelTps = (id: string) => api<ModelTps[]>(`${endpointPath(id)}/model-tps`);

export const fetchDailyStats = (id: string, days: number) =>
  api<DayStats[]>(`${endpointPath(id)}/daily-stats${query({ days })}`);

export const fetchTodayStats = (id: string) => api<DayStats>(`${endpointPath(id)}/today-stats`);

export const fetchEndpoint = (id: string) => api<EndpointDetailJson>(endpointPath(id));

export const createEndpoint = (input: EndpointCreateInput) =>
  api<EndpointJson>("/api/endpoints", { method: "POST", body: input });

export const updateEndpoint = (id: string, input: EndpointUpdateInput) =>
  api<EndpointJson>(endpointPath(id), { method: "PUT", body: input });

export const deleteEndpoint = (id: string) => api<void>(endpointPath(id), { method: "DELETE" });

export const testEndpoint = (id: string) => api<TestResult>(`${endpointPath(id)}/test`, { method: "POST" });

export const syncEndpoint = (id: string) => api<SyncResult>(`${endpointPath(id)}/sync`, { method: "POST" });

export interface RequestFilters {
  page: number;
  per_page: number;
  model?: string;
  endpoint_id?: string;
  status?: string;
}
export const fetchRequests = (filters: RequestFilters) =>
  api<RequestResponsesPage>(`/api/dashboard/request-responses${query({ ...filters })}`);

export const fetchRequestDetail = (id: number) =>
  api<RequestDetailJson>(`/api/dashboard/request-responses/${id}`);

/** The export's URL with the list's current filters (no paging): a plain download with the session cookie. */
export function exportUrl(filters: RequestFilters, format: "csv" | "json"): string {
  const { page: _page, per_page: _perPage, ...selection } = filters;
  return `/api/dashboard/request-responses/export${query({ ...selection, format })}`;
}

export const fetchTokenTotals = () => api<TokenTotalsJson>("/api/dashboard/stats/tokens");
export const fetchDailyTokens = (days: number) =>
  api<DailyTokensJson[]>(`/api/dashboard/stats/tokens/daily${query({ days })}`);
export const fetchMonthlyTokens = (months: number) =>
  api<MonthlyTokensJson[]>(`/api/dashboard/stats/tokens/monthly${query({ months })}`);
export const fetchClients = (groupBy: "ip" | "api_key", days: number) =>
  api<ClientsJson>(`/api/dashboard/clients${query({ group_by: groupBy, days, limit: 10 })}`);
export const fetchHeatmap = (days: number) =>
  api<ClientHeatmapJson>(`/api/dashboard/clients/heatmap${query({ days })}`);

export const fetchModels = () => api<ModelListJson>("/v1/models");

export const startBenchmark = (params: BenchmarkStart) =>
  api<{ run_id: string }>("/api/benchmarks/tps", { method: "POST", body: params });
export const fetchBenchmark = (runId: string) =>
  api<BenchmarkRunJson>(`/api/benchmarks/tps/${encodeURIComponent(runId)}`);
export const fetchBenchmarks = () => api<BenchmarkRunsJson>("/api/benchmarks/tps");
export const cancelBenchmark = (runId: string) =>
  api<BenchmarkRunJson>(`/api/benchmarks/tps/${encodeURIComponent(runId)}`, { method: "DELETE" });

export const fetchLbLogs = (limit: number) => api<LbLogsJson>(`/api/dashboard/logs/lb${query({ limit })}`);
