// /api/me/api-keys: every signed-in user manages their own keys; a viewer cannot escalate (admin
// permissions, other users' keys); /api/api-keys stays the admin's view of everything.
import { afterEach, describe, expect, it } from "vitest";
import { api, apiAs, createUser } from "../fixtures/admin-api.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("self-service API keys", () => {
  it("a viewer creates, lists, renames and deletes its own keys; the key is shown once", async () => {
    app = await startTestApp();
    const viewer = await createUser(app, "lena");
    const created = await apiAs(app, viewer.headers, "POST", "/api/me/api-keys", {
      name: "laptop",
      permissions: ["openai.inference", "openai.models.read"],
      rate_limit_rpm: 30,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "laptop",
      owner: "lena",
      user_id: viewer.id,
      rate_limit_rpm: 30,
    });
    expect(created.body.key).toMatch(/^sk_/);
    const models = await fetch(`${app.url}/v1/models`, {
      headers: { authorization: `Bearer ${created.body.key}` },
    });
    expect(models.status).toBe(200);

    const list = await apiAs(app, viewer.headers, "GET", "/api/me/api-keys");
    expect(list.body.data).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    const renamed = await apiAs(app, viewer.headers, "PUT", `/api/me/api-keys/${created.body.id}`, {
      name: "desktop",
      token_limit_daily: 5000,
    });
    expect(renamed.body).toMatchObject({ name: "desktop", rate_limit_rpm: 30, token_limit_daily: 5000 });
    expect((await apiAs(app, viewer.headers, "DELETE", `/api/me/api-keys/${created.body.id}`)).status).toBe(
      204,
    );
    expect((await apiAs(app, viewer.headers, "GET", "/api/me/api-keys")).body.data).toEqual([]);
    const dead = await fetch(`${app.url}/v1/models`, {
      headers: { authorization: `Bearer ${created.body.key}` },
    });
    expect(dead.status).toBe(401);
  });

  it("a viewer may grant only openai.inference and openai.models.read (403 otherwise, on create and update)", async () => {
    app = await startTestApp();
    const viewer = await createUser(app, "mia");
    for (const permission of ["endpoints.manage", "endpoints.read", "metrics.read"]) {
      const refused = await apiAs(app, viewer.headers, "POST", "/api/me/api-keys", {
        name: "x",
        permissions: ["openai.inference", permission],
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: "permission_not_grantable", param: "permissions" });
      expect(refused.body.error.message).toContain(permission);
    }
    const { id } = (
      await apiAs(app, viewer.headers, "POST", "/api/me/api-keys", {
        name: "ok",
        permissions: ["openai.inference"],
      })
    ).body;
    const upgrade = await apiAs(app, viewer.headers, "PUT", `/api/me/api-keys/${id}`, {
      permissions: ["endpoints.manage"],
    });
    expect(upgrade.status).toBe(403);
    // Nor can it create a key for somebody else, or use the admin's key routes.
    const forOther = await apiAs(app, viewer.headers, "POST", "/api/me/api-keys", {
      name: "x",
      permissions: ["openai.inference"],
      user_id: "someone-else",
    });
    expect(forOther.status).toBe(403);
    expect(
      (
        await apiAs(app, viewer.headers, "POST", "/api/api-keys", {
          name: "x",
          permissions: ["metrics.read"],
        })
      ).status,
    ).toBe(403);
    // An admin cannot give a viewer's key admin permissions either.
    const adminForViewer = await api(app, "POST", "/api/api-keys", {
      name: "x",
      permissions: ["endpoints.manage"],
      user_id: viewer.id,
    });
    expect(adminForViewer.status).toBe(403);
  });

  it("other users' keys are invisible to a viewer (404 on update and delete), and the admin sees all", async () => {
    app = await startTestApp();
    const nina = await createUser(app, "nina");
    const omar = await createUser(app, "omar");
    const ninaKey = (
      await apiAs(app, nina.headers, "POST", "/api/me/api-keys", {
        name: "nina's",
        permissions: ["openai.inference"],
      })
    ).body;
    const adminKey = (
      await api(app, "POST", "/api/api-keys", { name: "ops", permissions: ["endpoints.manage"] })
    ).body;
    for (const id of [ninaKey.id, adminKey.id]) {
      expect(
        (await apiAs(app, omar.headers, "PUT", `/api/me/api-keys/${id}`, { name: "mine now" })).status,
      ).toBe(404);
      expect((await apiAs(app, omar.headers, "DELETE", `/api/me/api-keys/${id}`)).status).toBe(404);
    }
    expect((await apiAs(app, omar.headers, "GET", "/api/me/api-keys")).body.data).toEqual([]);

    const all = (await api(app, "GET", "/api/api-keys")).body.data;
    expect(all.map((key: { owner: string }) => key.owner).sort()).toEqual(["admin", "nina"]);
    const forOmar = await api(app, "POST", "/api/api-keys", {
      name: "issued",
      permissions: ["openai.inference"],
      user_id: omar.id,
    });
    expect(forOmar.body).toMatchObject({ owner: "omar", created_by: "admin" });
    expect((await apiAs(app, omar.headers, "GET", "/api/me/api-keys")).body.data).toHaveLength(1);
    const unknownOwner = await api(app, "POST", "/api/api-keys", {
      name: "x",
      permissions: ["openai.inference"],
      user_id: "nope",
    });
    expect(unknownOwner.body.error.param).toBe("user_id");
    // The admin can change and delete anyone's key.
    expect(
      (await api(app, "PUT", `/api/api-keys/${ninaKey.id}`, { rate_limit_rpm: 10 })).body.rate_limit_rpm,
    ).toBe(10);
    expect((await api(app, "DELETE", `/api/api-keys/${ninaKey.id}`)).status).toBe(204);
  });

  it("API keys cannot manage keys (sessions only)", async () => {
    app = await startTestApp();
    const key = await app.inferenceKey();
    const answer = await apiAs(app, { authorization: `Bearer ${key}` }, "GET", "/api/me/api-keys");
    expect(answer.status).toBe(403);
  });
});
