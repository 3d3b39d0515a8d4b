// Pinned per-endpoint chat (POST /api/endpoints/{id}/chat/completions) and the routing headers on every
// proxied response, over real HTTP with fake upstreams and the OpenAI SDK.
import { describe, expect, it } from "vitest";
import { createKey, viewerHeaders } from "../fixtures/accounts.js";
import { api } from "../fixtures/admin-api.js";
import { runJob } from "../fixtures/completions.js";
import type { ModelScript } from "../fixtures/fake-inference.js";
import { captureCompletions, eventually, openaiClient, testbed } from "../fixtures/proxy-harness.js";
import type { TestApp } from "../fixtures/test-app.js";

const CHAT = { model: "m", messages: [{ role: "user" as const, content: "hi" }], max_tokens: 6 };

describe("per-endpoint chat and routing headers", () => {
  const bed = testbed();
  const setup = (
    scripts: ModelScript[],
    env: Record<string, string> = {},
    endpoint: Record<string, unknown> = {},
  ) => bed.start(scripts, { env, endpoint });

  async function pinned(app: TestApp, id: string, body: unknown, headers?: Record<string, string>) {
    return fetch(`${app.url}/api/endpoints/${id}/chat/completions`, {
      method: "POST",
      headers: { ...(headers ?? (await app.adminHeaders())), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  it("sends every pinned request to the chosen endpoint even when another is faster, tagged playground", async () => {
    const {
      app,
      ids,
      servers: [fast, slow],
    } = await setup([{ tokensPerSec: 2000 }, { tokensPerSec: 200 }]);
    const records = captureCompletions(app);
    const before = { fast: fast?.requests.length ?? 0, slow: slow?.requests.length ?? 0 };
    for (let i = 0; i < 4; i++) {
      const response = await pinned(app, ids[1] as string, { ...CHAT, stream: i % 2 === 0 });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-llmlb-endpoint")).toBe("gpu-1");
      expect(response.headers.get("x-llmlb-attempts")).toBe("1");
      const text = await response.text();
      expect(text).toContain("w0");
    }
    expect((slow?.requests.length ?? 0) - before.slow).toBe(4);
    expect((fast?.requests.length ?? 0) - before.fast).toBe(0);
    await eventually(() => records.length === 4);
    expect(records.every((record) => record.source === "playground" && record.endpoint_id === ids[1])).toBe(
      true,
    );
    // The request log shows the tag once the recorder flushed.
    await runJob(app, "statsFlush");
    const logged: { source: string }[] = (await api(app, "GET", "/api/dashboard/request-responses")).body
      .records;
    expect(logged.map((record) => record.source)).toEqual([
      "playground",
      "playground",
      "playground",
      "playground",
    ]);
  });

  it("does not fail over: a pinned endpoint's 5xx reaches the caller, the other endpoint is never tried", async () => {
    const {
      app,
      ids,
      servers: [broken, healthy],
    } = await setup([{ failStatus: 500 }, {}]);
    const before = healthy?.requests.length ?? 0;
    const response = await pinned(app, ids[0] as string, CHAT);
    expect(response.status).toBe(500);
    expect(response.headers.get("x-llmlb-endpoint")).toBe("gpu-0");
    expect((healthy?.requests.length ?? 0) - before).toBe(0);
    expect(broken?.requests.some((request) => request.path === "/v1/chat/completions")).toBe(true);
  });

  it("answers 404 for an unknown endpoint or a model it does not serve, 400 for a bad body, 403 for viewers", async () => {
    const { app, ids } = await setup([{}]);
    const unknown = await pinned(app, "no-such-endpoint", CHAT);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("endpoint_not_found");
    const otherModel = await pinned(app, ids[0] as string, { ...CHAT, model: "not-here" });
    expect(otherModel.status).toBe(404);
    expect(((await otherModel.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
    const bad = await pinned(app, ids[0] as string, { messages: [] });
    expect(bad.status).toBe(400);
    expect((await pinned(app, ids[0] as string, CHAT, await viewerHeaders(app))).status).toBe(403);
    const readKey = await createKey(app, ["endpoints.read", "openai.inference"]);
    expect(
      (await pinned(app, ids[0] as string, CHAT, { authorization: `Bearer ${readKey.key}` })).status,
    ).toBe(403);
    const manageKey = await createKey(app, ["endpoints.manage"]);
    expect(
      (await pinned(app, ids[0] as string, CHAT, { authorization: `Bearer ${manageKey.key}` })).status,
    ).toBe(200);
  });

  it("puts routing headers on /v1 stream and non-stream answers, and on the answer after a failover", async () => {
    const { app } = await setup([{ failStatus: 503 }, {}]);
    const client = await openaiClient(app);
    const whole = await client.chat.completions.create(CHAT).withResponse();
    expect(whole.response.headers.get("x-llmlb-endpoint")).toBe("gpu-1");
    // Routing is by speed, so the failing endpoint is tried first at least once within a few requests.
    const attempts = new Set<string | null>([whole.response.headers.get("x-llmlb-attempts")]);
    for (let i = 0; i < 6; i++) {
      const streamed = await client.chat.completions.create({ ...CHAT, stream: true }).withResponse();
      for await (const _chunk of streamed.data) {
        // drain
      }
      expect(streamed.response.headers.get("x-llmlb-endpoint")).toBe("gpu-1");
      expect(streamed.response.headers.get("content-type")).toContain("text/event-stream");
      attempts.add(streamed.response.headers.get("x-llmlb-attempts"));
    }
    expect(attempts.has("2")).toBe(true);
    expect([...attempts].every((value) => value === "1" || value === "2")).toBe(true);
  });

  it("reports the queue wait when a request waited for a slot", async () => {
    const { app } = await setup([{ tokensPerSec: 100 }], {}, { max_concurrency: 1 });
    const client = await openaiClient(app);
    const [first, second] = await Promise.all([
      client.chat.completions.create({ ...CHAT, max_tokens: 20 }).withResponse(),
      client.chat.completions.create({ ...CHAT, max_tokens: 20 }).withResponse(),
    ]);
    const waits = [first, second].map((answer) => answer.response.headers.get("x-llmlb-queue-wait-ms"));
    expect(waits.filter((wait) => wait === null)).toHaveLength(1);
    expect(Number(waits.find((wait) => wait !== null))).toBeGreaterThan(0);
  });

  it("LLMLB_ROUTING_HEADERS=0 turns the headers off", async () => {
    const { app, ids } = await setup([{}], { LLMLB_ROUTING_HEADERS: "0" });
    const client = await openaiClient(app);
    const answer = await client.chat.completions.create(CHAT).withResponse();
    expect(answer.response.headers.get("x-llmlb-endpoint")).toBeNull();
    expect(answer.response.headers.get("x-llmlb-attempts")).toBeNull();
    const playground = await pinned(app, ids[0] as string, CHAT);
    expect(playground.status).toBe(200);
    expect(playground.headers.get("x-llmlb-endpoint")).toBeNull();
  });

  it("lets a signed-in admin chat through /v1 (CSRF checked for cookies) and any signed-in user list models", async () => {
    const { app } = await setup([{}]);
    const login = await fetch(`${app.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "test-admin-password" }),
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
    const chat = (headers: Record<string, string>) =>
      fetch(`${app.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(CHAT),
      });
    expect((await chat({ cookie })).status).toBe(403);
    const answered = await chat({ cookie, "x-csrf-token": csrf });
    expect(answered.status).toBe(200);
    expect(answered.headers.get("x-llmlb-endpoint")).toBe("gpu-0");
    const viewer = await viewerHeaders(app);
    expect((await chat(viewer)).status).toBe(403);
    const models = await fetch(`${app.url}/v1/models`, { headers: viewer });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: { id: string }[] }).data.map((model) => model.id)).toEqual([
      "m",
    ]);
  });
});
