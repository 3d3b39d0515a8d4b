// Owns nothing of its own: the one place the dashboard takes the server's wire types from. Every response
// and event shape is declared (and built) in src/; a server change to a field the dashboard reads fails
// `npm run typecheck`. Times on the wire are ISO-8601 UTC strings (IsoTime).

export type { AuditEntryJson, AuditPageJson, AuditStatsJson } from "../../../src/audit/queries.js";
export type { AuditVerifyJson } from "../../../src/audit/store.js";
export type { Permission, UserJson as User } from "../../../src/auth/principal.js";
export type { CircuitState } from "../../../src/balancer/circuit-breaker.js";
export type { Priority as KeyPriority } from "../../../src/balancer/fair-queue.js";
export type {
  BenchmarkResultJson,
  BenchmarkRunJson,
  BenchmarkRunsJson,
} from "../../../src/benchmarks/figures.js";
export type {
  ClientDetailJson,
  ClientHeatmapJson,
  ClientsJson,
  ClientTimelineJson,
  IpClientJson,
  KeyClientJson,
} from "../../../src/dashboard/client-stats.js";
export type { DashboardStats, EndpointTpsSummary } from "../../../src/dashboard/overview.js";
export type { RequestDetailJson } from "../../../src/dashboard/request-detail.js";
export type { RequestResponseJson, RequestResponsesPage } from "../../../src/dashboard/request-responses.js";
export type {
  DailyTokensJson,
  MonthlyTokensJson,
  TokenTotalsJson,
} from "../../../src/dashboard/token-stats.js";
export type {
  DashboardEndpointJson,
  DashboardModelStatsRow,
  Overview,
} from "../../../src/dashboard/views.js";
export type {
  ApiKind,
  CompletionJson,
  EndpointStatus,
  EventJsonPayloads,
  LogLineJson,
  ModelLoad,
} from "../../../src/events/types.js";
export type { IsoTime } from "../../../src/http/wire-time.js";
export type { EndpointDetailJson, EndpointJson, ModelJson } from "../../../src/registry/endpoint-json.js";
export type { SyncResult, TestResult } from "../../../src/registry/registry.js";
export type {
  ApiKeyCreateInput,
  ApiKeyJson as ApiKey,
  ApiKeyListJson,
  ApiKeyUpdateInput,
  CreatedApiKeyJson,
} from "../../../src/routes/api-keys.js";
export type { LoginJson, SessionJson } from "../../../src/routes/auth.js";
export type { BenchmarkStart } from "../../../src/routes/benchmarks.js";
export type {
  EndpointCreateInput,
  EndpointListJson,
  EndpointModelsJson,
  EndpointUpdateInput,
} from "../../../src/routes/endpoints.js";
export type { FleetJson } from "../../../src/routes/fleet.js";
export type {
  CreatedInvitationJson,
  InvitationCreateInput,
  InvitationJson,
  InvitationListJson,
  RegisterInput,
} from "../../../src/routes/invitations.js";
export type { LbLogsJson } from "../../../src/routes/logs.js";
export type { ModelListJson, ModelObjectJson } from "../../../src/routes/models.js";
export type {
  UserAccountJson,
  UserCreateInput,
  UserListJson,
  UserUpdateInput,
} from "../../../src/routes/users.js";
export type { CountersJson } from "../../../src/stats/counters-json.js";
export type { DayStats, ModelStats, ModelTps } from "../../../src/stats/daily-report.js";
export type { AttemptJson, MinutePoint } from "../../../src/stats/types.js";
