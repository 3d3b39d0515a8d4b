// The audit log: state-changing calls and every login attempt are recorded with actor, target, outcome and
// secret-free details; the list filters and searches; verify finds an edited or deleted row in the file.
import { createClient } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import { api, apiAs, createUser, loginAs } from "../fixtures/admin-api.js";
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

interface Entry {
  id: number;
  action: string;
  actor_name: string | null;
  actor_type: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  client_ip: string | null;
  details: Record<string, unknown>;
}

async function entries(target: TestApp, query = ""): Promise<Entry[]> {
  const page = await api(target, "GET", `/api/dashboard/audit-logs?per_page=200${query}`);
  expect(page.status).toBe(200);
  return page.body.entries;
}

function databaseFile(target: TestApp) {
  return createClient({ url: target.composition.deps.config.databaseUrl });
}

describe("audit log", () => {
  it("records logins (success and failure), logouts and state changes with who, what and the outcome", async () => {
    app = await startTestApp();
    await apiAs(app, {}, "POST", "/api/auth/login", { username: "admin", password: "wrong-password" });
    const viewer = await createUser(app, "paula");
    const key = await apiAs(app, viewer.headers, "POST", "/api/me/api-keys", {
      name: "paula's key",
      permissions: ["openai.inference"],
      rate_limit_rpm: 60,
    });
    await apiAs(app, viewer.headers, "POST", "/api/users", {
      username: "x",
      password: "whatever-123",
      role: "admin",
    });
    await api(app, "PUT", `/api/users/${viewer.id}`, { password: "reset-by-admin-1" });
    const invitation = await api(app, "POST", "/api/invitations", { role: "viewer" });
    await apiAs(app, viewer.headers, "POST", "/api/auth/logout");
    const session = await loginAs(app, "admin", TEST_ADMIN_PASSWORD);
    await apiAs(app, session, "POST", "/api/auth/logout");

    const log = (await entries(app)).reverse();
    const summary = log.map((entry) => `${entry.action} ${entry.actor_name} ${entry.outcome}`);
    expect(summary).toEqual([
      "auth.login admin failure",
      "auth.login admin success",
      "user.create admin success",
      "auth.login paula success",
      "api_key.create paula success",
      "user.create paula failure",
      "user.update admin success",
      "invitation.create admin success",
      // paula's session ended with the password reset: her logout is refused (401), so nobody to record.
      "auth.login admin success",
      "auth.logout admin success",
    ]);
    const byAction = (action: string, outcome = "success") =>
      log.find((entry) => entry.action === action && entry.outcome === outcome) as Entry;
    expect(byAction("auth.login", "failure").details).toMatchObject({
      status: 401,
      error: "invalid_credentials",
    });
    expect(byAction("api_key.create")).toMatchObject({
      actor_type: "user",
      target_type: "api_key",
      target_id: key.body.id,
      client_ip: "127.0.0.1",
      details: { name: "paula's key", permissions: ["openai.inference"], rate_limit_rpm: 60 },
    });
    // A viewer's refused attempt to create an admin is recorded as a failure (the escalation attempt).
    expect(byAction("user.create", "failure").details).toMatchObject({ status: 403 });
    expect(byAction("user.update")).toMatchObject({
      target_id: viewer.id,
      details: { password_reset: true },
    });
    expect(byAction("invitation.create").target_id).toBe(invitation.body.id);

    // Never a secret: passwords, API keys, invitation codes and session tokens appear nowhere in the log.
    const file = databaseFile(app);
    const stored = JSON.stringify((await file.execute("SELECT * FROM audit_log")).rows);
    file.close();
    for (const secret of [
      viewer.password,
      "reset-by-admin-1",
      "wrong-password",
      TEST_ADMIN_PASSWORD,
      key.body.key,
      invitation.body.code,
    ]) {
      expect(stored).not.toContain(secret);
    }
    expect(stored).not.toContain(session.authorization.slice("Bearer ".length));
  });

  it("endpoints changes are recorded, including by an API key", async () => {
    app = await startTestApp();
    const manage = (
      await api(app, "POST", "/api/api-keys", { name: "deployer", permissions: ["endpoints.manage"] })
    ).body;
    const created = await apiAs(app, { authorization: `Bearer ${manage.key}` }, "POST", "/api/endpoints", {
      name: "gpu-1",
      base_url: "http://127.0.0.1:9",
      api_key: "upstream-secret-key",
    });
    expect(created.status).toBe(201);
    await api(app, "PUT", `/api/endpoints/${created.body.id}`, { notes: "rack 4" });
    await api(app, "DELETE", `/api/endpoints/${created.body.id}`);
    const log = await entries(app, "&action=endpoint");
    expect(log.map((entry) => `${entry.action} ${entry.actor_type}:${entry.actor_name}`)).toEqual([
      "endpoint.delete user:admin",
      "endpoint.update user:admin",
      "endpoint.create api_key:deployer",
    ]);
    expect(log.every((entry) => entry.target_id === created.body.id)).toBe(true);
    expect(JSON.stringify(log)).not.toContain("upstream-secret-key");
  });

  it("filters by actor, action family, time and free text; pages with a total; stats summarise", async () => {
    app = await startTestApp();
    const quinn = await createUser(app, "quinn");
    await apiAs(app, quinn.headers, "POST", "/api/me/api-keys", {
      name: "searchable-name",
      permissions: ["openai.inference"],
    });
    await apiAs(app, {}, "POST", "/api/auth/login", { username: "quinn", password: "nope-nope-nope" });

    expect((await entries(app, "&actor=QUINN")).map((entry) => entry.action)).toEqual([
      "auth.login",
      "api_key.create",
      "auth.login",
    ]);
    expect((await entries(app, "&action=api_key")).map((entry) => entry.action)).toEqual(["api_key.create"]);
    expect((await entries(app, "&action=auth.login")).length).toBe(3);
    expect((await entries(app, "&q=searchable")).map((entry) => entry.action)).toEqual(["api_key.create"]);
    expect(await entries(app, "&q=100%25")).toEqual([]);
    expect(await entries(app, `&start_time=${Date.now() + 60_000}`)).toEqual([]);
    expect((await entries(app, `&end_time=${new Date(Date.now() + 60_000).toISOString()}`)).length).toBe(5);

    const page = await api(app, "GET", "/api/dashboard/audit-logs?page=2&per_page=2");
    expect(page.body).toMatchObject({ total: 5, page: 2, per_page: 2 });
    expect(page.body.entries).toHaveLength(2);
    const bad = await api(app, "GET", "/api/dashboard/audit-logs?per_page=1000");
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe("per_page");
    expect((await api(app, "GET", "/api/dashboard/audit-logs?start_time=yesterday")).body.error.param).toBe(
      "start_time",
    );

    const stats = (await api(app, "GET", "/api/dashboard/audit-logs/stats")).body;
    expect(stats).toMatchObject({ total: 5, failures: 1, last_24h: 5 });
    expect(stats.by_action[0]).toEqual({ action: "auth.login", count: 3 });
  });

  it("verify walks the chain; editing a row in the database file is reported at that row, deleting one too", async () => {
    app = await startTestApp();
    for (let i = 0; i < 6; i++) await api(app, "POST", "/api/invitations", {});
    const verify = async () => (await api(app as TestApp, "GET", "/api/dashboard/audit-logs/verify")).body;
    // The admin's own login is the first entry.
    expect(await verify()).toEqual({ valid: true, checked: 7 });

    const file = databaseFile(app);
    try {
      await file.execute("UPDATE audit_log SET actor_name = 'mallory' WHERE id = 4");
      expect(await verify()).toMatchObject({
        valid: false,
        first_bad_id: 4,
        problem: "hash_mismatch",
        checked: 3,
      });
      await file.execute("UPDATE audit_log SET actor_name = 'admin' WHERE id = 4");
      expect((await verify()).valid).toBe(true);
      await file.execute("DELETE FROM audit_log WHERE id = 5");
      expect(await verify()).toMatchObject({ valid: false, first_bad_id: 5, problem: "missing_row" });
    } finally {
      file.close();
    }
  });
});
