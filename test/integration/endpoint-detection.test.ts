import { afterEach, describe, expect, it } from "vitest";
import { api } from "../fixtures/admin-api.js";
import { type FakeServer, SERVER_KINDS, startFakeServer } from "../fixtures/fake-servers.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

const EXPECTED_TYPE = {
  ollama: "ollama",
  vllm: "vllm",
  lm_studio: "lm_studio",
  llamacpp: "llamacpp",
  xllm: "xllm",
  openai: "openai_compatible",
} as const;

describe("endpoint type detection", () => {
  let app: TestApp | undefined;
  const servers: FakeServer[] = [];
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const server of servers.splice(0)) await server.stop();
  });

  it.each(SERVER_KINDS)("detects a %s server and lists its models", async (kind) => {
    app = await startTestApp();
    const server = await startFakeServer(kind, { models: [`${kind}/m1`, `${kind}/m2`] });
    servers.push(server);
    const created = await api(app, "POST", "/api/endpoints", { name: kind, base_url: server.url });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ endpoint_type: EXPECTED_TYPE[kind], status: "online" });
    const models = await api(app, "GET", `/api/endpoints/${created.body.id}/models`);
    expect(models.body.models.map((model: { model_id: string }) => model.model_id)).toEqual([
      `${kind}/m1`,
      `${kind}/m2`,
    ]);
    // Probes are GETs; the one other call is Ollama's model metadata (POST /api/show), never a completion.
    expect(
      server.requests.every(
        (request) => request.method === "GET" || (kind === "ollama" && request.path === "/api/show"),
      ),
    ).toBe(true);
  });

  it("skips detection when endpoint_type is given", async () => {
    app = await startTestApp();
    const server = await startFakeServer("ollama");
    servers.push(server);
    const created = await api(app, "POST", "/api/endpoints", {
      name: "forced",
      base_url: server.url,
      endpoint_type: "vllm",
    });
    expect(created.body).toMatchObject({ endpoint_type: "vllm", status: "online" });
    const paths = server.requests.map((request) => request.path);
    expect(paths).not.toContain("/api/tags");
    expect(paths).not.toContain("/api/system");
    expect(paths).not.toContain("/api/v1/models");
  });

  it("sends the endpoint's API key as a bearer token on every probe, and never returns it", async () => {
    app = await startTestApp();
    const key = "sk-upstream-7d1f0c2e9a";
    const server = await startFakeServer("vllm", { apiKey: key });
    servers.push(server);
    const created = await api(app, "POST", "/api/endpoints", {
      name: "keyed",
      base_url: server.url,
      api_key: key,
    });
    expect(created.body).toMatchObject({ endpoint_type: "vllm", status: "online", has_api_key: true });
    expect(server.requests.length).toBeGreaterThan(0);
    for (const request of server.requests) expect(request.headers.authorization).toBe(`Bearer ${key}`);
    expect(JSON.stringify(created.body)).not.toContain(key);
    expect(JSON.stringify((await api(app, "GET", `/api/endpoints/${created.body.id}`)).body)).not.toContain(
      key,
    );
    expect(JSON.stringify((await api(app, "GET", "/api/endpoints")).body)).not.toContain(key);

    const cleared = await api(app, "PUT", `/api/endpoints/${created.body.id}`, { api_key: null });
    expect(cleared.body.has_api_key).toBe(false);
    server.requests.length = 0;
    const test = await api(app, "POST", `/api/endpoints/${created.body.id}/test`);
    expect(test.body).toMatchObject({ success: false, error: "GET /v1/models: HTTP 401" });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("saves an unreachable server as pending with last_error", async () => {
    app = await startTestApp();
    const server = await startFakeServer("ollama");
    await server.stop();
    servers.push(server);
    const created = await api(app, "POST", "/api/endpoints", { name: "down", base_url: server.url });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "pending", latency_ms: null, last_seen: null });
    expect(created.body.last_error).toMatch(/unreachable: .*(ECONNREFUSED|connection)/);
  });
});
