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
});
