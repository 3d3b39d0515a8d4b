// Owns the calls of the team pages: API keys (the admin's view of all, or the caller's own), users,
// invitations and registration, and the audit log. Each answers the server's own response type.
import { api, query } from "./http.js";
import type {
  ApiKey,
  ApiKeyCreateInput,
  ApiKeyListJson,
  ApiKeyUpdateInput,
  AuditPageJson,
  AuditStatsJson,
  AuditVerifyJson,
  CreatedApiKeyJson,
  CreatedInvitationJson,
  InvitationCreateInput,
  InvitationJson,
  InvitationListJson,
  RegisterInput,
  UserAccountJson,
  UserCreateInput,
  UserListJson,
  UserUpdateInput,
} from "./types.js";

/** "all": the admin's /api/api-keys; "mine": the signed-in user's /api/me/api-keys. */
export type KeyScope = "all" | "mine";

const keysPath = (scope: KeyScope) => (scope === "all" ? "/api/api-keys" : "/api/me/api-keys");
const keyPath = (scope: KeyScope, id: string) => `${keysPath(scope)}/${encodeURIComponent(id)}`;

export const fetchKeys = async (scope: KeyScope): Promise<ApiKey[]> =>
  (await api<ApiKeyListJson>(keysPath(scope))).data;

export const createKey = (scope: KeyScope, input: ApiKeyCreateInput) =>
  api<CreatedApiKeyJson>(keysPath(scope), { method: "POST", body: input });

export const updateKey = (scope: KeyScope, id: string, input: ApiKeyUpdateInput) =>
  api<ApiKey>(keyPath(scope, id), { method: "PUT", body: input });

export const deleteKey = (scope: KeyScope, id: string) => api<void>(keyPath(scope, id), { method: "DELETE" });

const userPath = (id: string) => `/api/users/${encodeURIComponent(id)}`;

export const fetchUsers = async (): Promise<UserAccountJson[]> =>
  (await api<UserListJson>("/api/users")).data;

export const createUser = (input: UserCreateInput) =>
  api<UserAccountJson>("/api/users", { method: "POST", body: input });

export const updateUser = (id: string, input: UserUpdateInput) =>
  api<UserAccountJson>(userPath(id), { method: "PUT", body: input });

export const deleteUser = (id: string) => api<void>(userPath(id), { method: "DELETE" });

export const fetchInvitations = async (): Promise<InvitationJson[]> =>
  (await api<InvitationListJson>("/api/invitations")).data;

export const createInvitation = (input: InvitationCreateInput) =>
  api<CreatedInvitationJson>("/api/invitations", { method: "POST", body: input });

export const revokeInvitation = (id: string) =>
  api<void>(`/api/invitations/${encodeURIComponent(id)}`, { method: "DELETE" });

export const register = (input: RegisterInput) =>
  api<UserAccountJson>("/api/auth/register", { method: "POST", body: input, anonymous: true });

export interface AuditFilters {
  page: number;
  per_page: number;
  actor?: string;
  action?: string;
  q?: string;
  start_time?: string;
  end_time?: string;
}

export const fetchAudit = (filters: AuditFilters) =>
  api<AuditPageJson>(`/api/dashboard/audit-logs${query({ ...filters })}`);

export const fetchAuditStats = () => api<AuditStatsJson>("/api/dashboard/audit-logs/stats");

export const verifyAudit = () => api<AuditVerifyJson>("/api/dashboard/audit-logs/verify");
