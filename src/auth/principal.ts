// Owns who a request acts as: permission names, roles, the principal put on the Hono context, apiKeyIdOf().
import type { Context } from "hono";
import type { Priority } from "../balancer/fair-queue.js";

export const PERMISSIONS = [
  "openai.inference",
  "openai.models.read",
  "endpoints.read",
  "endpoints.manage",
  "metrics.read",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a viewer's keys may hold (a key can never do more than its owner's role allows). */
export const VIEWER_PERMISSIONS: readonly Permission[] = ["openai.inference", "openai.models.read"];

export const ROLES = ["admin", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
  mustChangePassword: boolean;
}

export interface SessionInfo {
  user: SessionUser;
  /** SHA-256 of the session token (the row's key). */
  tokenHash: string;
  csrfToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

export type Principal =
  | { kind: "session"; session: SessionInfo; user: SessionUser; via: "cookie" | "bearer" }
  | {
      kind: "api_key";
      keyId: string;
      /** The key's name, for the audit log. */
      keyName: string;
      permissions: readonly Permission[];
      /** Per-key limits checked before inference (src/limits/). */
      limits: { rpm: number | null; tokensDaily: number | null };
      /** Queue order of its requests when endpoints are saturated. */
      priority: Priority;
    }
  /** Public routes, and /v1/* under LLMLB_AUTH_DISABLED=1 without a valid key. */
  | { kind: "anonymous" };

declare module "hono" {
  interface ContextVariableMap {
    principal: Principal;
  }
}

export const ANONYMOUS: Principal = { kind: "anonymous" };

/** The API key a request was made with (for the completion record); null for sessions and anonymous. */
export function apiKeyIdOf(c: Context): string | null {
  const principal = c.get("principal");
  return principal?.kind === "api_key" ? principal.keyId : null;
}

/** Admin-level callers (admin sessions, keys with endpoints.manage): they alone receive LogLine events. */
export function isAdminPrincipal(principal: Principal | undefined): boolean {
  if (principal?.kind === "session") return principal.user.role === "admin";
  if (principal?.kind === "api_key") return principal.permissions.includes("endpoints.manage");
  return false;
}

/** Queue priority of a request: its API key's; sessions and anonymous requests are interactive. */
export function priorityOf(c: Context): Priority {
  const principal = c.get("principal");
  return principal?.kind === "api_key" ? principal.priority : "interactive";
}

/** The principal of a request made with a known API key. */
export function keyPrincipal(record: {
  id: string;
  name: string;
  permissions: Permission[];
  priority: Priority;
  limits: { rpm: number | null; tokensDaily: number | null };
}): Principal {
  return {
    kind: "api_key",
    keyId: record.id,
    keyName: record.name,
    permissions: record.permissions,
    limits: record.limits,
    priority: record.priority,
  };
}

/** A user on the wire (login, /api/auth/me). */
export interface UserJson {
  id: string;
  username: string;
  role: SessionUser["role"];
  must_change_password: boolean;
}

export function userView(user: SessionUser): UserJson {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    must_change_password: user.mustChangePassword,
  };
}
