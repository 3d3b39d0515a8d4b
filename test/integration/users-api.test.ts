// /api/users: admins create, change and delete accounts; a viewer cannot; deleting or disabling a user ends
// their sessions and keys at once; the last enabled admin cannot be removed; bad input names the field.
import { afterEach, describe, expect, it } from "vitest";
import { api, apiAs, createUser, loginAs } from "../fixtures/admin-api.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;
let upstream: InferenceServer | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  await upstream?.stop();
  upstream = undefined;
});

async function chat(target: TestApp, key: string): Promise<number> {
  const response = await fetch(`${target.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function appWithUpstream(): Promise<TestApp> {
  upstream = await startInferenceServer("openai", { models: ["m"] });
  const started = await startTestApp();
  await registerEndpoint(started, "up", upstream.url);
  return started;
}

describe("/api/users", () => {
  it("creates, lists, changes and deletes users; never shows a password hash", async () => {
    app = await startTestApp();
    const created = await api(app, "POST", "/api/users", { username: "alice", password: "correct-horse-1" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      username: "alice",
      role: "viewer",
      disabled: false,
      must_change_password: true,
    });
    const list = await api(app, "GET", "/api/users");
    expect(list.body.data.map((user: { username: string }) => user.username)).toEqual(["admin", "alice"]);
    expect(JSON.stringify(list.body)).not.toContain("scrypt");

    const promoted = await api(app, "PUT", `/api/users/${created.body.id}`, { role: "admin" });
    expect(promoted.body.role).toBe("admin");
    // The admin chose the password: alice must pick her own first (only /api/auth/* until then).
    const session = await loginAs(app, "alice", "correct-horse-1");
    const me = await apiAs(app, session, "GET", "/api/auth/me");
    expect(me.body.user.must_change_password).toBe(true);

    expect((await api(app, "DELETE", `/api/users/${created.body.id}`)).status).toBe(204);
    expect((await api(app, "DELETE", `/api/users/${created.body.id}`)).status).toBe(404);
    expect((await apiAs(app, session, "GET", "/api/auth/me")).status).toBe(401);
  });

  it("names the field of bad input: usernames (any case) are unique, weak passwords give the rule", async () => {
    app = await startTestApp();
    const taken = await api(app, "POST", "/api/users", { username: "ADMIN", password: "another-password" });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: "username_taken", param: "username" });
    const weak = await api(app, "POST", "/api/users", { username: "bob", password: "aaaaaaaaaa" });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toMatchObject({ code: "weak_password", param: "password" });
    expect(weak.body.error.message).toContain("at least 5 different characters");
    const short = await api(app, "POST", "/api/users", { username: "bob", password: "short" });
    expect(short.body.error).toMatchObject({ param: "password" });
    expect(short.body.error.message).toContain("at least 8 characters");
    const badName = await api(app, "POST", "/api/users", { username: "a b", password: "correct-horse-1" });
    expect(badName.status).toBe(400);
    expect(badName.body.error.param).toBe("username");
    const badRole = await api(app, "POST", "/api/users", {
      username: "bob",
      password: "correct-horse-1",
      role: "root",
    });
    expect(badRole.body.error.param).toBe("role");
    const empty = await api(app, "PUT", "/api/users/whatever", {});
    expect(empty.status).toBe(400);
    const unknownField = await api(app, "PUT", "/api/users/whatever", { username: "x" });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.param).toBe("username");
    expect((await api(app, "PUT", "/api/users/nobody", { role: "admin" })).status).toBe(404);
  });

  it("a viewer gets 403 on every admin route, including changing its own role", async () => {
    app = await startTestApp();
    const viewer = await createUser(app, "viewer1");
    const calls: [string, string, unknown?][] = [
      ["GET", "/api/users"],
      ["POST", "/api/users", { username: "eve", password: "correct-horse-1", role: "admin" }],
      ["PUT", `/api/users/${viewer.id}`, { role: "admin" }],
      ["DELETE", `/api/users/${viewer.id}`],
      ["GET", "/api/invitations"],
      ["POST", "/api/invitations", { role: "admin" }],
      ["GET", "/api/api-keys"],
      ["GET", "/api/dashboard/audit-logs"],
      ["GET", "/api/dashboard/audit-logs/verify"],
    ];
    for (const [method, path, body] of calls) {
      const answer = await apiAs(app, viewer.headers, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.error.type).toBe("permission_error");
    }
    const users = await api(app, "GET", "/api/users");
    expect(users.body.data.find((user: { id: string }) => user.id === viewer.id).role).toBe("viewer");
  });

  it("the last enabled admin cannot be demoted, disabled or deleted (409); with a second admin it can", async () => {
    app = await startTestApp();
    const [admin] = (await api(app, "GET", "/api/users")).body.data;
    for (const [method, body] of [
      ["PUT", { role: "viewer" }],
      ["PUT", { disabled: true }],
      ["DELETE", undefined],
    ] as const) {
      const answer = await api(app, method, `/api/users/${admin.id}`, body);
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe("last_admin");
    }
    const second = await createUser(app, "second-admin", "admin");
    // A disabled admin does not count as the other admin.
    expect((await api(app, "PUT", `/api/users/${second.id}`, { disabled: true })).status).toBe(200);
    expect((await api(app, "PUT", `/api/users/${admin.id}`, { role: "viewer" })).status).toBe(409);
    expect((await api(app, "PUT", `/api/users/${second.id}`, { disabled: false })).status).toBe(200);
    expect((await api(app, "PUT", `/api/users/${admin.id}`, { role: "viewer" })).status).toBe(200);
    // Now second-admin is the last one.
    const last = await apiAs(
      app,
      await loginAs(app, "second-admin", second.password),
      "DELETE",
      `/api/users/${second.id}`,
    );
    expect(last.status).toBe(409);
  });

  it("deleting a user ends their session and API keys at once", async () => {
    app = await appWithUpstream();
    const viewer = await createUser(app, "carol");
    const key = await apiAs(app, viewer.headers, "POST", "/api/me/api-keys", {
      name: "carol's key",
      permissions: ["openai.inference"],
    });
    expect(key.status).toBe(201);
    expect(await chat(app, key.body.key)).toBe(200);
    expect((await api(app, "DELETE", `/api/users/${viewer.id}`)).status).toBe(204);
    expect((await apiAs(app, viewer.headers, "GET", "/api/auth/me")).status).toBe(401);
    expect(await chat(app, key.body.key)).toBe(401);
    expect((await api(app, "GET", "/api/api-keys")).body.data).toHaveLength(0);
  });

  it("disabling a user ends their session and keys and refuses their login; enabling gives the keys back", async () => {
    app = await appWithUpstream();
    const viewer = await createUser(app, "dave");
    const key = (
      await apiAs(app, viewer.headers, "POST", "/api/me/api-keys", {
        name: "k",
        permissions: ["openai.inference"],
      })
    ).body.key as string;
    expect(await chat(app, key)).toBe(200);
    expect((await api(app, "PUT", `/api/users/${viewer.id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await apiAs(app, viewer.headers, "GET", "/api/auth/me")).status).toBe(401);
    expect(await chat(app, key)).toBe(401);
    const login = await apiAs(app, {}, "POST", "/api/auth/login", {
      username: "dave",
      password: viewer.password,
    });
    expect(login.status).toBe(403);
    expect(login.body.error.code).toBe("account_disabled");
    await api(app, "PUT", `/api/users/${viewer.id}`, { disabled: false });
    expect(await chat(app, key)).toBe(200);
  });

  it("an admin's password reset ends the user's sessions and makes them choose a new one", async () => {
    app = await startTestApp();
    const viewer = await createUser(app, "erin");
    const reset = await api(app, "PUT", `/api/users/${viewer.id}`, { password: "temporary-pass-1" });
    expect(reset.body.must_change_password).toBe(true);
    expect((await apiAs(app, viewer.headers, "GET", "/api/auth/me")).status).toBe(401);
    await loginAs(app, "erin", "temporary-pass-1");
    // The admin's own reset of its own password keeps its session and asks for nothing more.
    const [admin] = (await api(app, "GET", "/api/users")).body.data;
    const own = await api(app, "PUT", `/api/users/${admin.id}`, { password: "admin-new-pass-1" });
    expect(own.body.must_change_password).toBe(false);
    expect((await api(app, "GET", "/api/auth/me")).status).toBe(200);
    expect(
      (await apiAs(app, {}, "POST", "/api/auth/login", { username: "admin", password: TEST_ADMIN_PASSWORD }))
        .status,
    ).toBe(401);
  });

  it("demoting an admin takes admin-only permissions off their keys", async () => {
    app = await startTestApp();
    const other = await createUser(app, "frank", "admin");
    const created = await apiAs(app, other.headers, "POST", "/api/me/api-keys", {
      name: "ops",
      permissions: ["endpoints.manage", "openai.inference"],
    });
    expect(created.status).toBe(201);
    await api(app, "PUT", `/api/users/${other.id}`, { role: "viewer" });
    const keys = (await api(app, "GET", "/api/api-keys")).body.data;
    expect(keys[0].permissions).toEqual(["openai.inference"]);
    const manage = await fetch(`${app.url}/api/endpoints`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${created.body.key}` },
      body: JSON.stringify({ name: "x", base_url: "http://127.0.0.1:1" }),
    });
    expect(manage.status).toBe(403);
  });
});
