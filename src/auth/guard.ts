// Owns the authentication middleware: reads the presented credential, resolves the principal, and enforces
// access-rules.ts (401 for missing/invalid credentials, 403 for missing permission or CSRF token).
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { type Access, accessFor, isReadMethod, under } from "./access-rules.js";
import { API_KEY_PREFIX } from "./api-keys.js";
import { ANONYMOUS, keyPrincipal, type Principal, type SessionInfo } from "./principal.js";
import { constantTimeEqual } from "./tokens.js";

/** Only what the guard uses. */
type GuardDeps = Pick<AppDeps, "auth" | "config">;

export const SESSION_COOKIE = "llmlb_session";
export const CSRF_HEADER = "x-csrf-token";

type Credential =
  | { type: "api_key"; secret: string }
  | { type: "session"; token: string; via: "cookie" | "bearer" }
  | { type: "malformed" }
  | null;

/** Precedence: Authorization (an `sk_` key or a session token) › X-API-Key › the session cookie. */
function readCredential(c: Context): Credential {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) {
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)?.[1];
    if (!bearer) return { type: "malformed" };
    return bearer.startsWith(API_KEY_PREFIX)
      ? { type: "api_key", secret: bearer }
      : { type: "session", token: bearer, via: "bearer" };
  }
  const headerKey = c.req.header("x-api-key")?.trim();
  if (headerKey) return { type: "api_key", secret: headerKey };
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { type: "session", token: cookie, via: "cookie" } : null;
}

function unauthorized(message: string, code: string): AppError {
  return new AppError("unauthorized", message, { code });
}

function forbidden(message: string, code = "insufficient_permissions"): AppError {
  return new AppError("forbidden", message, { code });
}

async function lookupSession(deps: GuardDeps, token: string): Promise<SessionInfo | null> {
  try {
    return await deps.auth.sessions.lookup(token);
  } catch (error) {
    throw new AppError("unavailable", "Cannot verify the session: the database is unavailable", {
      code: "database_unavailable",
      cause: error,
    });
  }
}

async function authenticate(deps: GuardDeps, credential: Credential, access: Access & { kind: "protected" }) {
  if (credential === null) {
    const how = access.sessions === "none" ? "an API key" : "a login session or an API key";
    throw unauthorized(`Authentication required: send ${how}`, "missing_credentials");
  }
  if (credential.type === "malformed") {
    throw unauthorized("Malformed Authorization header: expected `Bearer <token>`", "invalid_authorization");
  }
  if (credential.type === "api_key") {
    const record = await deps.auth.apiKeys.authenticate(credential.secret);
    if (!record) throw unauthorized("Invalid, expired or revoked API key", "invalid_api_key");
    return keyPrincipal(record);
  }
  if (access.sessions === "none") throw unauthorized("This route needs an API key (sk_…)", "invalid_api_key");
  const session = await lookupSession(deps, credential.token);
  if (!session) throw unauthorized("Session expired or logged out; log in again", "invalid_session");
  return { kind: "session", session, user: session.user, via: credential.via } satisfies Principal;
}

function authorize(c: Context, principal: Principal, access: Access & { kind: "protected" }): void {
  if (principal.kind === "api_key") {
    if (access.permissions.length === 0) throw forbidden("API keys cannot call this route; log in instead");
    if (!access.permissions.some((permission) => principal.permissions.includes(permission))) {
      throw forbidden(`This API key needs the permission ${access.permissions.join(" or ")}`);
    }
    return;
  }
  if (principal.kind !== "session") return;
  // A generated password must be replaced first: until then the session reaches only /api/auth/*.
  if (principal.user.mustChangePassword && !under(c.req.path, "/api/auth")) {
    throw forbidden(
      "Choose your own password first (the current one was generated or set by an admin): POST /api/auth/change-password",
      "password_change_required",
    );
  }
  if (access.sessions === "admin" && principal.user.role !== "admin") {
    throw forbidden("This route needs an admin account");
  }
  if (principal.via === "cookie" && !isReadMethod(c.req.method)) {
    const presented = c.req.header(CSRF_HEADER) ?? "";
    if (!constantTimeEqual(presented, principal.session.csrfToken)) {
      throw forbidden(
        `Missing or wrong ${CSRF_HEADER} header for a cookie-authenticated request`,
        "csrf_failed",
      );
    }
  }
}

export function authGuard(deps: GuardDeps): MiddlewareHandler {
  return async (c, next) => {
    const access = accessFor(c.req.method, c.req.path, deps.config);
    if (access.kind === "public") {
      c.set("principal", ANONYMOUS);
      return next();
    }
    const credential = readCredential(c);
    if (access.inference && deps.config.authDisabled) {
      // Trusted-network mode: a valid key is still recorded, nothing is refused.
      const record =
        credential?.type === "api_key"
          ? await deps.auth.apiKeys.authenticate(credential.secret).catch(() => null)
          : null;
      c.set("principal", record ? keyPrincipal(record) : ANONYMOUS);
      return next();
    }
    const principal = await authenticate(deps, credential, access);
    // Set before authorizing, so a refused caller is still known (the audit log records who was refused).
    c.set("principal", principal);
    authorize(c, principal, access);
    return next();
  };
}

/** The session of a request the guard let through as a logged-in user; 403 for API keys. */
export function sessionOf(c: Context): SessionInfo {
  const principal = c.get("principal");
  if (principal?.kind !== "session") throw forbidden("This route needs a login session");
  return principal.session;
}

/** Secure cookies when the client reached us over HTTPS (directly or through a proxy that says so). */
export function requestIsHttps(c: Context): boolean {
  const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  // Request URLs are absolute with a lower-case scheme on every runtime; no URL parse per request.
  return forwarded === "https" || c.req.url.startsWith("https:");
}
