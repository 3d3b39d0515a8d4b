// Admin bootstrap and secret hygiene: the generated password is logged once, no secret reaches the logs or
// the database file in plaintext, and a database that was away at boot still gets its admin.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from "../fixtures/test-app.js";

function login(app: TestApp, password: string) {
  return fetch(`${app.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
}

function linesContaining(app: TestApp, secret: string) {
  return app.logs.filter((line) => JSON.stringify(line).includes(secret));
}

/** Every byte of the database (main file plus any WAL/journal) as latin1 text. */
function databaseBytes(dir: string): string {
  return readdirSync(dir)
    .filter((name) => name.startsWith("llmlb.db"))
    .map((name) => readFileSync(join(dir, name)).toString("latin1"))
    .join("");
}

describe("admin bootstrap and secrets", () => {
  const apps: TestApp[] = [];
  let dir: TempDir | undefined;
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    dir?.remove();
    dir = undefined;
  });

  it("generates the admin password on first start, logs it once, and not again on the second start", async () => {
    dir = tempDir();
    const env = { LLMLB_ADMIN_PASSWORD: "", LLMLB_DATABASE_URL: `file:${join(dir.path, "llmlb.db")}` };
    const first = await startTestApp({ env });
    apps.push(first);
    const announced = first.logs.filter((line) => line.msg === "generated admin password");
    expect(announced).toHaveLength(1);
    expect(announced[0]?.level).toBe("warn");
    const password = String(announced[0]?.password);
    expect(password.length).toBeGreaterThanOrEqual(24);
    const response = await login(first, password);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user: { must_change_password: boolean } }).user).toMatchObject({
      must_change_password: true,
    });
    expect(linesContaining(first, password)).toHaveLength(1);
    await first.close();
    apps.pop();

    const second = await startTestApp({ env });
    apps.push(second);
    expect(second.logs.some((line) => line.msg === "generated admin password")).toBe(false);
    expect(linesContaining(second, password)).toHaveLength(0);
    const again = await login(second, password);
    expect(again.status).toBe(200);
    const { token } = (await again.json()) as { token: string };
    const changed = await fetch(`${second.url}/api/auth/change-password`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ current_password: password, new_password: "chosen-by-the-admin" }),
    });
    expect(changed.status).toBe(204);
    const me = await fetch(`${second.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { user: { must_change_password: boolean } }).user.must_change_password).toBe(
      false,
    );
  });

  it("a session that must change its password reaches only /api/auth/* until it has", async () => {
    dir = tempDir();
    const app = await startTestApp({
      env: { LLMLB_ADMIN_PASSWORD: "", LLMLB_DATABASE_URL: `file:${join(dir.path, "llmlb.db")}` },
    });
    apps.push(app);
    const password = String(app.logs.find((line) => line.msg === "generated admin password")?.password);
    const { token } = (await (await login(app, password)).json()) as { token: string };
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${app.url}${path}`, {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    for (const [method, path, body] of [
      ["GET", "/api/endpoints"],
      ["GET", "/api/dashboard/overview"],
      ["POST", "/api/api-keys", { name: "k", permissions: ["openai.inference"] }],
    ] as const) {
      const refused = await call(method, path, body);
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        "password_change_required",
      );
    }
    expect((await call("GET", "/api/auth/me")).status).toBe(200);
    const changed = await call("POST", "/api/auth/change-password", {
      current_password: password,
      new_password: "chosen-by-the-admin",
    });
    expect(changed.status).toBe(204);
    expect((await call("GET", "/api/endpoints")).status).toBe(200);
  });

  it("never writes passwords, session tokens or API keys to a log line or in plaintext to the database file", async () => {
    dir = tempDir();
    const app = await startTestApp({ env: { LLMLB_DATABASE_URL: `file:${join(dir.path, "llmlb.db")}` } });
    apps.push(app);
    const wrongPassword = "a-wrong-password-attempt";
    expect((await login(app, wrongPassword)).status).toBe(401);
    const { token, csrf_token } = (await (await login(app, TEST_ADMIN_PASSWORD)).json()) as {
      token: string;
      csrf_token: string;
    };
    const key = await app.inferenceKey();
    await fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
    });
    await fetch(`${app.url}/v1/chat/completions`, { method: "POST", headers: { "x-api-key": `${key}x` } });
    const newPassword = "another-secret-password";
    await fetch(`${app.url}/api/auth/change-password`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ current_password: TEST_ADMIN_PASSWORD, new_password: newPassword }),
    });
    await app.close();
    apps.pop();

    expect(app.logs.length).toBeGreaterThan(5);
    const bytes = databaseBytes(dir.path);
    expect(bytes.length).toBeGreaterThan(4096);
    expect(bytes).toContain("scrypt$N=");
    for (const secret of [TEST_ADMIN_PASSWORD, wrongPassword, newPassword, token, key, key.slice(3)]) {
      expect(linesContaining(app, secret), `log lines containing ${secret.slice(0, 6)}…`).toHaveLength(0);
      expect(bytes.includes(secret), `database contains ${secret.slice(0, 6)}…`).toBe(false);
    }
    // The CSRF token is not a credential on its own; it is the one token stored as is.
    expect(bytes.includes(csrf_token)).toBe(true);
  });

  it("creates the admin once a database that was unavailable at boot comes back", async () => {
    dir = tempDir();
    const missing = join(dir.path, "not-yet", "llmlb.db");
    const app = await startTestApp({ env: { LLMLB_DATABASE_URL: `file:${missing}` } });
    apps.push(app);
    expect(app.logs.some((line) => String(line.msg).includes("database unavailable"))).toBe(true);
    expect((await login(app, TEST_ADMIN_PASSWORD)).status).toBe(503);
    mkdirSync(join(dir.path, "not-yet"));
    const retry = app.composition.jobs.databaseMigrationRetry;
    await retry?.run();
    expect(existsSync(missing)).toBe(true);
    expect(app.logs.some((line) => line.msg === "admin user created")).toBe(true);
    expect((await login(app, TEST_ADMIN_PASSWORD)).status).toBe(200);
  });
});
