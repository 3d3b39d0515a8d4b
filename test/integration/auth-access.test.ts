// Route protection over real HTTP: who gets 401, who gets 403, and who gets through, per the access table.
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { apiKeys } from "../../src/db/schema.js";
import { createKey, viewerHeaders } from "../fixtures/accounts.js";
import { startInferenceServer } from "../fixtures/fake-inference.js";
import { registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

const DENIED = [401, 403];

async function call(app: TestApp, method: string, path: string, headers: Record<string, string> = {}) {
  const body = method === "GET" ? undefined : "{}";
  return fetch(`${app.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { type: string; code: string; message: string } }).error;
}

describe("route protection", () => {
  let app: TestApp | undefined;
  let now = Date.now();
  const clock = { now: () => now, monotonic: () => performance.now() };
  afterEach(async () => {
    await app?.close();
    app = undefined;
    now = Date.now();
  });

  it("refuses requests without credentials with 401 in the OpenAI shape; health stays public", async () => {
    app = await startTestApp();
    for (const [method, path] of [
      ["POST", "/v1/chat/completions"],
      ["GET", "/v1/models"],
      ["GET", "/api/dashboard/overview"],
      ["GET", "/api/endpoints"],
      ["GET", "/api/events"],
      ["GET", "/api/api-keys"],
      ["GET", "/api/auth/me"],
      ["GET", "/api/added-later"],
      ["GET", "/metrics"],
    ] as const) {
      const response = await call(app, method, path);
      expect(response.status, `${method} ${path}`).toBe(401);
      expect((await errorOf(response)).type).toBe("authentication_error");
    }
    expect((await call(app, "GET", "/health")).status).toBe(200);
    expect((await call(app, "GET", "/ready")).status).toBe(200);
  });

  it("a models-only key gets 403 on chat and through on /v1/models; an inference key gets through on chat", async () => {
    app = await startTestApp();
    const modelsOnly = await createKey(app, ["openai.models.read"]);
    const chat = await call(app, "POST", "/v1/chat/completions", {
      authorization: `Bearer ${modelsOnly.key}`,
    });
    expect(chat.status).toBe(403);
    expect(await errorOf(chat)).toMatchObject({ type: "permission_error", code: "insufficient_permissions" });
    const models = await call(app, "GET", "/v1/models", { "x-api-key": modelsOnly.key });
    expect(DENIED).not.toContain(models.status);
    const inference = await call(app, "POST", "/v1/chat/completions", {
      authorization: `Bearer ${await app.inferenceKey()}`,
    });
    expect(DENIED).not.toContain(inference.status);
  });

  it("an expired key and a deleted key get 401 (the deleted one at once, though it was cached)", async () => {
    app = await startTestApp({ clock });
    const shortLived = await createKey(app, ["openai.inference"], now + 60_000);
    const auth = { authorization: `Bearer ${shortLived.key}` };
    expect(DENIED).not.toContain((await call(app, "POST", "/v1/chat/completions", auth)).status);
    now += 60_001;
    const expired = await call(app, "POST", "/v1/chat/completions", auth);
    expect(expired.status).toBe(401);
    expect((await errorOf(expired)).code).toBe("invalid_api_key");

    const doomed = await createKey(app, ["openai.inference"]);
    const doomedAuth = { authorization: `Bearer ${doomed.key}` };
    expect(DENIED).not.toContain((await call(app, "POST", "/v1/chat/completions", doomedAuth)).status);
    const deleted = await call(app, "DELETE", `/api/api-keys/${doomed.id}`, await app.adminHeaders());
    expect(deleted.status).toBe(204);
    expect((await call(app, "POST", "/v1/chat/completions", doomedAuth)).status).toBe(401);
    expect((await call(app, "DELETE", `/api/api-keys/${doomed.id}`, await app.adminHeaders())).status).toBe(
      404,
    );
    expect((await call(app, "POST", "/v1/chat/completions", { "x-api-key": "sk_made_up" })).status).toBe(401);
  });

  it("endpoint and dashboard routes follow the key's permissions and the session's role", async () => {
    app = await startTestApp();
    const reader = { "x-api-key": (await createKey(app, ["endpoints.read"])).key };
    const manager = { "x-api-key": (await createKey(app, ["endpoints.manage"])).key };
    const metrics = { "x-api-key": (await createKey(app, ["metrics.read"])).key };
    const viewer = await viewerHeaders(app);
    const admin = await app.adminHeaders();
    const expectations: [Record<string, string>, string, string, number | "through"][] = [
      [reader, "GET", "/api/endpoints", "through"],
      [reader, "GET", "/api/dashboard/overview", "through"],
      [reader, "GET", "/api/events", "through"],
      [reader, "POST", "/api/endpoints", 403],
      [reader, "GET", "/metrics", 403],
      [reader, "POST", "/v1/chat/completions", 403],
      [reader, "GET", "/api/api-keys", 403],
      [manager, "POST", "/api/endpoints", "through"],
      [manager, "DELETE", "/api/endpoints/x", "through"],
      [metrics, "GET", "/metrics", "through"],
      [metrics, "GET", "/api/dashboard/overview", 403],
      [viewer, "GET", "/api/endpoints", "through"],
      [viewer, "GET", "/api/dashboard/overview", "through"],
      [viewer, "POST", "/api/endpoints", 403],
      [viewer, "GET", "/api/api-keys", 403],
      [viewer, "POST", "/api/api-keys", 403],
      // The dashboard's playground chats as the signed-in admin; a viewer's session is not enough.
      [viewer, "POST", "/v1/chat/completions", 403],
      [viewer, "POST", "/v1/completions", 401],
      [viewer, "GET", "/v1/models", "through"],
      [admin, "POST", "/v1/chat/completions", "through"],
      [admin, "POST", "/api/endpoints", "through"],
      [admin, "GET", "/api/api-keys", 200],
    ];
    for (const [headers, method, path, expected] of expectations) {
      const status = (await call(app, method, path, headers)).status;
      const label = `${Object.keys(headers)[0]}=${Object.values(headers)[0]?.slice(0, 12)} ${method} ${path}`;
      if (expected === "through") expect(DENIED, label).not.toContain(status);
      else expect(status, label).toBe(expected);
    }
  });

  it("LLMLB_METRICS_PUBLIC=1 opens /metrics only", async () => {
    app = await startTestApp({ env: { LLMLB_METRICS_PUBLIC: "1" } });
    expect(DENIED).not.toContain((await call(app, "GET", "/metrics")).status);
    expect((await call(app, "GET", "/api/dashboard/overview")).status).toBe(401);
  });

  it("LLMLB_AUTH_DISABLED=1 opens /v1/* with a loud warning but keeps the dashboard API closed", async () => {
    app = await startTestApp({ env: { LLMLB_AUTH_DISABLED: "1" } });
    expect(DENIED).not.toContain((await call(app, "POST", "/v1/chat/completions")).status);
    expect(DENIED).not.toContain(
      (await call(app, "GET", "/v1/models", { authorization: "Bearer junk" })).status,
    );
    expect((await call(app, "GET", "/api/dashboard/overview")).status).toBe(401);
    expect((await call(app, "GET", "/api/endpoints")).status).toBe(401);
    const warning = app.logs.find((line) => line.level === "warn" && String(line.msg).includes("DISABLED"));
    expect(warning?.variable).toBe("LLMLB_AUTH_DISABLED");
  });

  it("records key use in memory and writes last_used_at to the database in a batch, not per request", async () => {
    app = await startTestApp();
    const { id, key } = await createKey(app, ["openai.inference"]);
    for (let i = 0; i < 3; i++) await call(app, "POST", "/v1/chat/completions", { "x-api-key": key });
    const db = app.composition.deps.database.db;
    const stored = async () => (await db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0]?.lastUsedAt;
    expect(await stored()).toBeNull();
    const listed = (await (await call(app, "GET", "/api/api-keys", await app.adminHeaders())).json()) as {
      data: { id: string; last_used_at: string | null; key_prefix: string }[];
    };
    const entry = listed.data.find((item) => item.id === id);
    expect(entry?.last_used_at).toEqual(expect.any(String));
    expect(key.startsWith(entry?.key_prefix ?? "?")).toBe(true);
    expect(JSON.stringify(listed)).not.toContain(key);
    const flush = app.composition.jobs.apiKeyLastUsedFlush;
    await flush?.run();
    expect(await stored()).toBe(Date.parse(entry?.last_used_at ?? ""));
  });

  it("the official openai SDK works end to end with an llmlb key and is refused with a wrong one", async () => {
    app = await startTestApp();
    const upstream = await startInferenceServer("openai", { models: ["m"] });
    try {
      await registerEndpoint(app, "gpu1", upstream.url);
      const good = new OpenAI({ apiKey: await app.inferenceKey(), baseURL: `${app.url}/v1`, maxRetries: 0 });
      const bad = new OpenAI({ apiKey: "sk_not_a_real_key", baseURL: `${app.url}/v1`, maxRetries: 0 });
      await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      await expect(bad.chat.completions.create({ model: "m", messages: [] })).rejects.toBeInstanceOf(
        OpenAI.AuthenticationError,
      );
      const models = await good.models.list();
      expect(models.data.map((model) => model.id)).toEqual(["m"]);
      const reply = await good.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
      });
      expect(reply.model).toBe("m");
      expect(reply.choices[0]?.message.content).toBeTruthy();
      // The upstream never sees the llmlb key.
      expect(JSON.stringify(upstream.requests.map((request) => request.headers))).not.toContain("sk_");
    } finally {
      await upstream.stop();
    }
  });
});
