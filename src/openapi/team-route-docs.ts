// Owns the OpenAPI rows of the team routes: users, invitations and registration, every user's own API keys,
// key updates, and the audit log (spread into ROUTE_DOCS).
import { UpdateBody as KeyUpdate, CreateBody as OwnKeyBody } from "../routes/api-keys.js";
import { AuditQuery } from "../routes/audit-logs.js";
import { CreateBody as InvitationBody, RegisterBody } from "../routes/invitations.js";
import { CreateBody as UserBody, UpdateBody as UserUpdate } from "../routes/users.js";
import { json, none, type RouteDoc } from "./doc-helpers.js";
import * as r from "./response-schemas.js";
import * as t from "./team-schemas.js";

const OWN = "Own API keys";

export const TEAM_ROUTE_DOCS: Record<string, RouteDoc> = {
  "POST /api/auth/register": {
    tag: "Auth",
    summary:
      "Create an account with an invitation code (used, expired, revoked or unknown codes: 400 naming why)",
    body: RegisterBody,
    responses: { 201: json(t.UserAccount) },
  },
  "PUT /api/api-keys/:id": {
    tag: "API keys",
    summary:
      "Change any key's name, permissions or limits (rate_limit_rpm, token_limit_daily; null: unlimited)",
    body: KeyUpdate,
    responses: { 200: json(r.ApiKey) },
  },
  "GET /api/me/api-keys": {
    tag: OWN,
    summary: "The signed-in user's keys",
    responses: { 200: json(r.ApiKeyList) },
  },
  "POST /api/me/api-keys": {
    tag: OWN,
    summary: "Create an own key (a viewer may grant only openai.inference and openai.models.read)",
    body: OwnKeyBody,
    responses: { 201: json(r.ApiKeyCreated) },
  },
  "PUT /api/me/api-keys/:id": {
    tag: OWN,
    summary: "Change an own key's name, permissions or limits",
    body: KeyUpdate,
    responses: { 200: json(r.ApiKey) },
  },
  "DELETE /api/me/api-keys/:id": { tag: OWN, summary: "Delete an own key", responses: { 204: none } },
  "GET /api/users": { tag: "Users", summary: "List users", responses: { 200: json(t.UserList) } },
  "POST /api/users": {
    tag: "Users",
    summary: "Create a user (409 when the username exists in any letter case)",
    body: UserBody,
    responses: { 201: json(t.UserAccount) },
  },
  "PUT /api/users/:id": {
    tag: "Users",
    summary:
      "Change role, reset the password or disable (ends the user's sessions and keys; 409 for the last admin)",
    body: UserUpdate,
    responses: { 200: json(t.UserAccount) },
  },
  "DELETE /api/users/:id": {
    tag: "Users",
    summary: "Delete a user and their sessions and keys (409 for the last admin)",
    responses: { 204: none },
  },
  "GET /api/invitations": {
    tag: "Users",
    summary: "List invitations",
    responses: { 200: json(t.InvitationList) },
  },
  "POST /api/invitations": {
    tag: "Users",
    summary: "Create an invitation; `code` is shown only in this answer",
    body: InvitationBody,
    responses: { 201: json(t.InvitationCreated) },
  },
  "DELETE /api/invitations/:id": {
    tag: "Users",
    summary: "Revoke a pending invitation (409 once used)",
    responses: { 204: none },
  },
  "GET /api/dashboard/audit-logs": {
    tag: "Audit log",
    summary: "Audit entries, newest first, filtered and paged",
    query: AuditQuery,
    responses: { 200: json(t.AuditPage) },
  },
  "GET /api/dashboard/audit-logs/stats": {
    tag: "Audit log",
    summary: "Totals, failures, the last 24 h, frequent actions and actors",
    responses: { 200: json(t.AuditStats) },
  },
  "GET /api/dashboard/audit-logs/verify": {
    tag: "Audit log",
    summary: "Walk the hash chain: valid, or the first altered or missing entry",
    responses: { 200: json(t.AuditVerify) },
  },
};
