import { afterEach, describe, expect, it } from "vitest";
import type { PublishedEvent } from "../../src/events/types.js";
import { type FakeServer, startFakeServer } from "../fixtures/fake-servers.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

interface EndpointJson {
  id: string;
  name: string;
  base_url: string;
  endpoint_type: string;
  status: string;
  latency_ms: number | null;
  last_seen: string | null;
  last_error: string | null;
  error_count: number;
  health_check_interval_secs: number;
  has_api_key: boolean;
  models?: { model_id: string }[];
}

describe("endpoints REST API", () => {
  let app: TestApp | undefined;
  const servers: FakeServer[] = [];
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const server of servers.splice(0)) await server.stop();
  });

  async function call(method: string, path: string, body?: unknown) {
    if (!app) throw new Error("no app");
    const headers: Record<string, string> = { ...(await app.adminHeaders()) };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === "" ? null : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  async function server(kind: Parameters<typeof startFakeServer>[0], models?: string[]) {
    const started = await startFakeServer(kind, { models });
    servers.push(started);
    return started;
  }

  it("registers, lists, reads, edits and deletes an endpoint, publishing events", async () => {
    app = await startTestApp();
    const events: PublishedEvent[] = [];
    app.composition.deps.events.subscribe((event) => events.push(event));
    const ollama = await server("ollama", ["llama3:latest", "qwen2:7b"]);

    const created = await call("POST", "/api/endpoints", { name: "gpu1", base_url: `${ollama.url}/` });
    expect(created.status).toBe(201);
    const endpoint = created.body as unknown as EndpointJson;
    expect(endpoint).toMatchObject({
      name: "gpu1",
      base_url: ollama.url,
      endpoint_type: "ollama",
      status: "online",
      error_count: 0,
      last_error: null,
      health_check_interval_secs: 30,
      has_api_key: false,
    });
    expect(endpoint.latency_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(endpoint.last_seen ?? "")).not.toBeNaN();

    const one = await call("GET", `/api/endpoints/${endpoint.id}`);
    expect((one.body as unknown as EndpointJson).models?.map((model) => model.model_id)).toEqual([
      "llama3:latest",
      "qwen2:7b",
    ]);
    const list = await call("GET", "/api/endpoints?status=online&type=ollama");
    expect(list.body).toMatchObject({ total: 1 });
    expect((await call("GET", "/api/endpoints?status=offline")).body).toMatchObject({
      endpoints: [],
      total: 0,
    });

    const edited = await call("PUT", `/api/endpoints/${endpoint.id}`, {
      notes: "rack 3",
      max_concurrency: 4,
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      notes: "rack 3",
      max_concurrency: 4,
      name: "gpu1",
      status: "online",
    });

    expect((await call("DELETE", `/api/endpoints/${endpoint.id}`)).status).toBe(204);
    expect((await call("GET", `/api/endpoints/${endpoint.id}`)).status).toBe(404);
    expect((await call("GET", "/api/endpoints")).body).toMatchObject({ total: 0 });

    expect(events.map((event) => event.type)).toEqual([
      "EndpointRegistered",
      "EndpointStatusChanged",
      "EndpointUpdated",
      "EndpointRemoved",
    ]);
    expect(events[1]?.data).toMatchObject({
      endpoint_id: endpoint.id,
      old_status: "pending",
      new_status: "online",
      last_error: null,
    });
  });

  it("rejects bad input with 400 naming the field, duplicates with 409, unknown ids with 404", async () => {
    app = await startTestApp();
    const ollama = await server("ollama");
    const bad = async (body: unknown, param: string) => {
      const answer = await call("POST", "/api/endpoints", body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { type: "invalid_request_error", param } });
    };
    await bad({ base_url: ollama.url }, "name");
    await bad({ name: "x", base_url: "not a url" }, "base_url");
    await bad({ name: "x", base_url: "ftp://h" }, "base_url");
    await bad(
      { name: "x", base_url: ollama.url, health_check_interval_secs: 4 },
      "health_check_interval_secs",
    );
    await bad(
      { name: "x", base_url: ollama.url, health_check_interval_secs: 301 },
      "health_check_interval_secs",
    );
    await bad({ name: "x", base_url: ollama.url, endpoint_type: "tgi" }, "endpoint_type");
    expect((await call("GET", "/api/endpoints?status=sleeping")).body).toMatchObject({
      error: { param: "status" },
    });

    const created = await call("POST", "/api/endpoints", { name: "gpu1", base_url: ollama.url });
    expect(created.status).toBe(201);
    const sameName = await call("POST", "/api/endpoints", { name: "gpu1", base_url: "http://127.0.0.1:9" });
    expect(sameName).toMatchObject({ status: 409, body: { error: { param: "name" } } });
    const sameUrl = await call("POST", "/api/endpoints", {
      name: "gpu2",
      base_url: `${ollama.url.replace("http", "HTTP")}//`,
    });
    expect(sameUrl).toMatchObject({ status: 409, body: { error: { param: "base_url" } } });
    const other = await call("POST", "/api/endpoints", {
      name: "gpu2",
      base_url: "http://127.0.0.1:9",
      endpoint_type: "vllm",
    });
    expect((await call("PUT", `/api/endpoints/${other.body?.id}`, { name: "gpu1" })).status).toBe(409);

    for (const [method, path] of [
      ["GET", "/api/endpoints/nope"],
      ["PUT", "/api/endpoints/nope"],
      ["DELETE", "/api/endpoints/nope"],
      ["GET", "/api/endpoints/nope/models"],
      ["POST", "/api/endpoints/nope/sync"],
      ["POST", "/api/endpoints/nope/test"],
    ] as const) {
      const answer = await call(method, path, method === "PUT" ? { notes: "x" } : undefined);
      expect(answer).toMatchObject({ status: 404, body: { error: { code: "endpoint_not_found" } } });
    }
  });

  it("tests and syncs on demand, follows a base_url change, and serves /v1/models with endpoint_ids", async () => {
    app = await startTestApp();
    const first = await server("openai", ["shared", "org/only-a"]);
    const second = await server("vllm", ["shared"]);
    const a = (await call("POST", "/api/endpoints", { name: "a", base_url: first.url }))
      .body as unknown as EndpointJson;
    const b = (await call("POST", "/api/endpoints", { name: "b", base_url: second.url }))
      .body as unknown as EndpointJson;

    const tested = await call("POST", `/api/endpoints/${a.id}/test`);
    expect(tested.body).toMatchObject({ success: true, error: null, models_found: 2 });
    first.models = ["shared", "new-one"];
    const synced = await call("POST", `/api/endpoints/${a.id}/sync`);
    expect(synced.body).toEqual({ synced_models: 2, added: 1, removed: 1, updated: 0 });

    const key = await app.inferenceKey();
    const models = await fetch(`${app.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    const listing = (await models.json()) as { data: { id: string; endpoint_ids: string[] }[] };
    expect(listing.data.map((model) => [model.id, model.endpoint_ids])).toEqual([
      ["new-one", [a.id]],
      ["shared", [a.id, b.id]],
    ]);
    const one = await fetch(`${app.url}/v1/models/new-one`, { headers: { authorization: `Bearer ${key}` } });
    expect(await one.json()).toMatchObject({ id: "new-one", object: "model", endpoint_ids: [a.id] });
    const missing = await fetch(`${app.url}/v1/models/org/only-a`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "model_not_found" } });

    // b moves to a server of another kind: re-detected, models re-listed.
    const moved = await server("llamacpp", ["org/llama"]);
    const edited = await call("PUT", `/api/endpoints/${b.id}`, { base_url: moved.url });
    expect(edited.body).toMatchObject({ base_url: moved.url, endpoint_type: "llamacpp", status: "online" });
    const slashed = await fetch(`${app.url}/v1/models/org/llama`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await slashed.json()).toMatchObject({ id: "org/llama", endpoint_ids: [b.id] });

    // Ollama's `name:latest` is found by `name` too, the way routing matches it.
    const ollama = await server("ollama", ["qwen:latest"]);
    await call("POST", "/api/endpoints", { name: "o", base_url: ollama.url });
    const byShortName = await fetch(`${app.url}/v1/models/qwen`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await byShortName.json()).toMatchObject({ id: "qwen:latest", object: "model" });
    await ollama.stop();

    await second.stop();
    const down = await call("POST", `/api/endpoints/${a.id}/test`);
    expect(down.body?.success).toBe(true);
    first.models = [];
    await first.stop();
    const failed = await call("POST", `/api/endpoints/${a.id}/test`);
    expect(failed.body).toMatchObject({ success: false, latency_ms: null, models_found: 0 });
    expect((await call("GET", `/api/endpoints/${a.id}`)).body).toMatchObject({ status: "online" });
    expect((await call("POST", `/api/endpoints/${a.id}/sync`)).status).toBe(502);
  });
});
