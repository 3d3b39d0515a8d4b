// Login sessions over real HTTP: cookie attributes, CSRF, logout, expiry, password change, login throttling.
import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from "../fixtures/test-app.js";

interface LoginBody {
  token: string;
  csrf_token: string;
  expires_at: string;
  user: { id: string; username: string; role: string; must_change_password: boolean };
}

function login(app: TestApp, username: string, password: string, headers: Record<string, string> = {}) {
  return fetch(`${app.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ username, password }),
  });
}

function cookieOf(response: Response): string {
  const setCookie = response.headers.get("set-cookie") ?? "";
  return setCookie.split(";")[0] ?? "";
}

function createKey(app: TestApp, headers: Record<string, string>) {
  return fetch(`${app.url}/api/api-keys`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name: "from a session", permissions: ["endpoints.read"] }),
  });
}

const me = (app: TestApp, headers: Record<string, string>) => fetch(`${app.url}/api/auth/me`, { headers });

describe("login sessions", () => {
  let app: TestApp | undefined;
  let now = Date.now();
  const clock = { now: () => now, monotonic: () => performance.now() };
  afterEach(async () => {
    await app?.close();
    app = undefined;
    now = Date.now();
  });

  it("login sets an HttpOnly SameSite=Strict cookie (Secure behind HTTPS) and returns a bearer token", async () => {
    app = await startTestApp({ clock });
    const response = await login(app, "admin", TEST_ADMIN_PASSWORD);
    expect(response.status).toBe(200);
    const body = (await response.json()) as LoginBody;
    expect(body.token).toMatch(/^ses_[A-Za-z0-9_-]{43}$/);
    expect(body.csrf_token.length).toBeGreaterThanOrEqual(43);
    expect(body.expires_at).toBe(new Date(now + 24 * 3_600_000).toISOString());
    expect(body.user).toMatchObject({ username: "admin", role: "admin", must_change_password: false });
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toContain(`llmlb_session=${body.token}`);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(/; Max-Age=86400/);
    expect(setCookie).not.toMatch(/Secure/);
    const https = await login(app, "admin", TEST_ADMIN_PASSWORD, { "x-forwarded-proto": "https" });
    expect(https.headers.get("set-cookie")).toMatch(/; Secure/);
  });

  it("the cookie works for the dashboard API; cookie POSTs need the CSRF header, bearer POSTs do not", async () => {
    app = await startTestApp();
    const response = await login(app, "admin", TEST_ADMIN_PASSWORD);
    const { token, csrf_token } = (await response.json()) as LoginBody;
    const cookie = { cookie: cookieOf(response) };
    const who = await me(app, cookie);
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({ user: { username: "admin" }, csrf_token });
    expect([401, 403]).not.toContain(
      (await fetch(`${app.url}/api/dashboard/overview`, { headers: cookie })).status,
    );

    const withoutCsrf = await createKey(app, cookie);
    expect(withoutCsrf.status).toBe(403);
    expect(((await withoutCsrf.json()) as { error: { code: string } }).error.code).toBe("csrf_failed");
    expect((await createKey(app, { ...cookie, "x-csrf-token": "wrong" })).status).toBe(403);
    expect((await createKey(app, { ...cookie, "x-csrf-token": csrf_token })).status).toBe(201);
    expect((await createKey(app, { authorization: `Bearer ${token}` })).status).toBe(201);
  });

  it("logout makes both the old cookie and the old bearer token useless", async () => {
    app = await startTestApp();
    const response = await login(app, "admin", TEST_ADMIN_PASSWORD);
    const { token } = (await response.json()) as LoginBody;
    const cookie = { cookie: cookieOf(response) };
    const bearer = { authorization: `Bearer ${token}` };
    expect((await me(app, cookie)).status).toBe(200);
    const logout = await fetch(`${app.url}/api/auth/logout`, { method: "POST", headers: bearer });
    expect(logout.status).toBe(204);
    expect(logout.headers.get("set-cookie")).toMatch(/llmlb_session=;.*Max-Age=0/);
    expect((await me(app, cookie)).status).toBe(401);
    expect((await me(app, bearer)).status).toBe(401);
  });

  it("sessions expire after LLMLB_SESSION_TTL_HOURS", async () => {
    app = await startTestApp({ clock, env: { LLMLB_SESSION_TTL_HOURS: "1" } });
    const { token } = (await (await login(app, "admin", TEST_ADMIN_PASSWORD)).json()) as LoginBody;
    now += 3_599_000;
    expect((await me(app, { authorization: `Bearer ${token}` })).status).toBe(200);
    now += 1_000;
    expect((await me(app, { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it("answers a wrong password and an unknown user identically", async () => {
    app = await startTestApp();
    const wrong = await login(app, "admin", "not-the-password");
    const unknown = await login(app, "nobody", "not-the-password");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it("20 wrong passwords → 429 from the 10th; the right one is refused too until the backoff passes", async () => {
    app = await startTestApp({ clock, env: { LLMLB_LOGIN_LOCKOUT_SECS: "300" } });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await login(app, "admin", `wrong-${i}`)).status);
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill(401));
    expect(statuses.slice(9)).toEqual(Array(11).fill(429));
    const refused = await login(app, "admin", TEST_ADMIN_PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBe(1);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
    // Refused attempts are not failures: the first backoff step is still 1 s.
    now += 1_000;
    // The next failure doubles it.
    const second = await login(app, "admin", "wrong-again");
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBe(2);
    now += 2_000;
    expect((await login(app, "admin", TEST_ADMIN_PASSWORD)).status).toBe(200);
  });

  it("change-password needs the current password and ends the other sessions", async () => {
    app = await startTestApp();
    const first = (await (await login(app, "admin", TEST_ADMIN_PASSWORD)).json()) as LoginBody;
    const second = (await (await login(app, "admin", TEST_ADMIN_PASSWORD)).json()) as LoginBody;
    const change = (current: string, next: string) =>
      fetch(`${app?.url}/api/auth/change-password`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${first.token}` },
        body: JSON.stringify({ current_password: current, new_password: next }),
      });
    expect((await change("wrong", "a-new-password")).status).toBe(403);
    const tooShort = await change(TEST_ADMIN_PASSWORD, "short");
    expect(tooShort.status).toBe(400);
    expect(((await tooShort.json()) as { error: { param: string } }).error.param).toBe("new_password");
    expect((await change(TEST_ADMIN_PASSWORD, "a-new-password")).status).toBe(204);
    expect((await me(app, { authorization: `Bearer ${first.token}` })).status).toBe(200);
    expect((await me(app, { authorization: `Bearer ${second.token}` })).status).toBe(401);
    expect((await login(app, "admin", TEST_ADMIN_PASSWORD)).status).toBe(401);
    expect((await login(app, "admin", "a-new-password")).status).toBe(200);
  });

  it("refuses a login that is not JSON (a cross-site form cannot log a browser in)", async () => {
    app = await startTestApp();
    const response = await fetch(`${app.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `username=admin&password=${TEST_ADMIN_PASSWORD}`,
    });
    expect(response.status).toBe(400);
  });
});
