// Owns what reaches the audit log from HTTP: every state-changing /api call by an authenticated caller
// (whatever its outcome, including refusals by the access table) and every login, logout and registration
// attempt. Routes may name the action, target and secret-free details with noteAudit(); the rest is inferred.
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { isReadMethod } from "../auth/access-rules.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import type { AuditEvent } from "./store.js";

export interface AuditNote {
  action?: string;
  targetType?: string;
  targetId?: string | null;
  /** Never a secret (no passwords, keys, codes or tokens). */
  details?: Record<string, unknown>;
  /** For public routes (login, register), where no principal exists. */
  actor?: { type: "user"; id: string | null; name: string | null };
}

declare module "hono" {
  interface ContextVariableMap {
    audit: AuditNote;
  }
}

/** Adds to what the audit entry of this request will say (later notes win per field). */
export function noteAudit(c: Context, note: AuditNote): void {
  const previous = c.get("audit") ?? {};
  c.set("audit", { ...previous, ...note, details: { ...previous.details, ...note.details } });
}

/** `METHOD route` → action; routes not listed are recorded as `METHOD route` itself. */
const ACTIONS: Record<string, string> = {
  "POST /api/auth/login": "auth.login",
  "POST /api/auth/logout": "auth.logout",
  "POST /api/auth/change-password": "auth.change_password",
  "POST /api/auth/register": "auth.register",
  "POST /api/users": "user.create",
  "PUT /api/users/:id": "user.update",
  "DELETE /api/users/:id": "user.delete",
  "POST /api/invitations": "invitation.create",
  "DELETE /api/invitations/:id": "invitation.revoke",
  "POST /api/api-keys": "api_key.create",
  "PUT /api/api-keys/:id": "api_key.update",
  "DELETE /api/api-keys/:id": "api_key.delete",
  "POST /api/me/api-keys": "api_key.create",
  "PUT /api/me/api-keys/:id": "api_key.update",
  "DELETE /api/me/api-keys/:id": "api_key.delete",
  "POST /api/endpoints": "endpoint.create",
  "PUT /api/endpoints/:id": "endpoint.update",
  "DELETE /api/endpoints/:id": "endpoint.delete",
  "POST /api/endpoints/:id/test": "endpoint.test",
  "POST /api/endpoints/:id/sync": "endpoint.sync",
};

/** Recorded even when nobody is authenticated (failed logins name the username tried). */
const ALWAYS = new Set(["auth.login", "auth.register"]);

function actorOf(
  c: Context,
  note: AuditNote,
): Pick<AuditEvent, "actorType" | "actorId" | "actorName"> | null {
  if (note.actor) return { actorType: "user", actorId: note.actor.id, actorName: note.actor.name };
  const principal = c.get("principal");
  if (principal?.kind === "session") {
    return { actorType: "user", actorId: principal.user.id, actorName: principal.user.username };
  }
  if (principal?.kind === "api_key") {
    return { actorType: "api_key", actorId: principal.keyId, actorName: principal.keyName };
  }
  return null;
}

/** The handler's route pattern (matched before any middleware ran, so known even when the guard refused). */
function routeOf(c: Context): string {
  const route = routePath(c, -1);
  return route === "" || route.endsWith("*") ? c.req.path : route;
}

/** The `:id` segment of the path under `route`; null when the route has none. */
function idFrom(route: string, path: string): string | null {
  const at = route.split("/").indexOf(":id");
  const segment = at < 0 ? "" : (path.split("/")[at] ?? "");
  try {
    return decodeURIComponent(segment) || null;
  } catch {
    return segment || null; // not valid percent-encoding: recorded as sent
  }
}

function eventOf(deps: AppDeps, c: Context): AuditEvent | null {
  const note = c.get("audit") ?? {};
  const route = routeOf(c);
  const action = note.action ?? ACTIONS[`${c.req.method} ${route}`] ?? `${c.req.method} ${route}`;
  const actor =
    actorOf(c, note) ??
    (ALWAYS.has(action) ? { actorType: "user" as const, actorId: null, actorName: null } : null);
  if (!actor) return null;
  const failed = c.res.status >= 400;
  const details: Record<string, unknown> = { ...note.details };
  if (failed) {
    details.status = c.res.status;
    if (c.error instanceof AppError) details.error = c.error.code;
  }
  // auth.* acts on the account itself; other families name their target type (`user.create` → user).
  const family = action.includes(".") ? (action.split(".")[0] ?? null) : null;
  const self = family === "auth";
  return {
    ...actor,
    action,
    targetType: note.targetType ?? (self ? (actor.actorId ? "user" : null) : family),
    targetId: note.targetId !== undefined ? note.targetId : self ? actor.actorId : idFrom(route, c.req.path),
    clientIp: deps.clientAddress(c),
    outcome: failed ? "failure" : "success",
    details,
  };
}

export function auditTrail(deps: AppDeps): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (isReadMethod(c.req.method) || !c.req.path.startsWith("/api/")) return;
    const event = eventOf(deps, c);
    if (!event) return;
    try {
      await deps.audit.append(event);
    } catch (error) {
      deps.logger.error("audit log append failed", { action: event.action, error });
    }
  };
}
