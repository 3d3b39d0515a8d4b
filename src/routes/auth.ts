// Owns the login API: POST /api/auth/login (public), /logout, GET /me, POST /change-password.
import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import * as v from "valibot";
import { noteAudit } from "../audit/middleware.js";
import { requestIsHttps, SESSION_COOKIE, sessionOf } from "../auth/guard.js";
import { NewPassword } from "../auth/password-policy.js";
import { type UserJson, userView } from "../auth/principal.js";
import type { AppDeps } from "../deps.js";
import { requireJson, validBody } from "../http/validate.js";
import { type IsoTime, isoTime } from "../http/wire-time.js";

/** Only what these routes use. */
type AuthRoutesDeps = Pick<AppDeps, "auth" | "clientAddress" | "clock">;

export const LoginBody = v.object({
  username: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  password: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
});

export const ChangePasswordBody = v.object({
  current_password: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  new_password: NewPassword,
});

/** GET /api/auth/me: the signed-in user, the CSRF token for cookie requests, when the session ends. */
export interface SessionJson {
  user: UserJson;
  csrf_token: string;
  expires_at: IsoTime;
}

/** POST /api/auth/login: the session, also as a bearer token for scripts. */
export interface LoginJson extends SessionJson {
  token: string;
}

export function authRoutes(deps: AuthRoutesDeps): Hono {
  const app = new Hono();

  app.post("/api/auth/login", async (c) => {
    requireJson(c);
    const body = await validBody(c, LoginBody);
    noteAudit(c, { actor: { type: "user", id: null, name: body.username } });
    const result = await deps.auth.accounts.login(body.username, body.password, deps.clientAddress(c));
    noteAudit(c, {
      actor: { type: "user", id: result.user.id, name: result.user.username },
      targetType: "user",
      targetId: result.user.id,
    });
    setCookie(c, SESSION_COOKIE, result.token, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: requestIsHttps(c),
      maxAge: Math.max(0, Math.floor((result.expiresAt - deps.clock.now()) / 1000)),
    });
    const answer: LoginJson = {
      token: result.token,
      csrf_token: result.csrfToken,
      expires_at: isoTime(result.expiresAt),
      user: userView(result.user),
    };
    return c.json(answer);
  });

  app.post("/api/auth/logout", async (c) => {
    await deps.auth.sessions.revoke(sessionOf(c).tokenHash);
    deleteCookie(c, SESSION_COOKIE, {
      path: "/",
      httpOnly: true,
      sameSite: "Strict",
      secure: requestIsHttps(c),
    });
    return c.body(null, 204);
  });

  app.get("/api/auth/me", (c) => {
    const session = sessionOf(c);
    const answer: SessionJson = {
      user: userView(session.user),
      csrf_token: session.csrfToken,
      expires_at: isoTime(session.expiresAt),
    };
    return c.json(answer);
  });

  app.post("/api/auth/change-password", async (c) => {
    const session = sessionOf(c);
    const body = await validBody(c, ChangePasswordBody);
    await deps.auth.accounts.changePassword(
      session,
      body.current_password,
      body.new_password,
      deps.clientAddress(c),
    );
    return c.body(null, 204);
  });

  return app;
}
