import { afterEach, describe, expect, it } from "vitest";
import type { PublishedEvent } from "../../src/events/types.js";
import { api, type MovableClock, movableClock, sweep } from "../fixtures/admin-api.js";
import {
  type FakeServer,
  type SilentServer,
  startFakeServer,
  startSilentServer,
} from "../fixtures/fake-servers.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("health sweep", () => {
  let app: TestApp | undefined;
  let clock: MovableClock;
  const stoppers: (FakeServer | SilentServer)[] = [];
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const server of stoppers.splice(0)) await server.stop();
  });

  async function start(env: Record<string, string> = {}) {
    clock = movableClock();
    app = await startTestApp({ clock, env });
    return app;
  }

  const statusEvents = (events: PublishedEvent[]) =>
    events.flatMap((event) => (event.type === "EndpointStatusChanged" ? [event.data] : []));

  it("brings a server that was down at registration online with its models, with no further call", async () => {
    const app = await start();
    const server = await startFakeServer("ollama", { models: ["llama3:latest"] });
    stoppers.push(server);
    await server.stop();
    const created = await api(app, "POST", "/api/endpoints", { name: "late", base_url: server.url });
    expect(created.body).toMatchObject({ status: "pending", endpoint_type: "openai_compatible" });
    expect(created.body.last_error).toContain("unreachable");

    await server.start();
    await sweep(app, clock);
    const after = await api(app, "GET", `/api/endpoints/${created.body.id}`);
    expect(after.body).toMatchObject({
      status: "online",
      endpoint_type: "ollama",
      last_error: null,
      error_count: 0,
    });
    expect(after.body.models.map((model: { model_id: string }) => model.model_id)).toEqual(["llama3:latest"]);
    const listed = await fetch(`${app.url}/v1/models`, {
      headers: { authorization: `Bearer ${await app.inferenceKey()}` },
    });
    expect(await listed.json()).toMatchObject({
      object: "list",
      data: [{ id: "llama3:latest", object: "model", endpoint_ids: [created.body.id] }],
    });
  });

  it("moves online → error → offline keeping latency_ms, then back online with resynced models", async () => {
    const app = await start();
    const events: PublishedEvent[] = [];
    app.composition.deps.events.subscribe((event) => events.push(event));
    const server = await startFakeServer("vllm", { models: ["m1"] });
    stoppers.push(server);
    const created = await api(app, "POST", "/api/endpoints", { name: "gpu", base_url: server.url });
    const id = created.body.id as string;
    const latency = created.body.latency_ms as number;
    expect(created.body.status).toBe("online");
    expect(latency).toBeGreaterThanOrEqual(0);

    await server.stop();
    await sweep(app, clock);
    const first = (await api(app, "GET", `/api/endpoints/${id}`)).body;
    expect(first).toMatchObject({ status: "error", error_count: 1, latency_ms: latency });
    expect(first.last_error).toMatch(/GET \/v1\/models/);
    await sweep(app, clock);
    const second = (await api(app, "GET", `/api/endpoints/${id}`)).body;
    expect(second).toMatchObject({ status: "offline", error_count: 2, latency_ms: latency });
    expect(second.last_seen).toBe(created.body.last_seen);
    expect((await api(app, "GET", "/api/endpoints?status=offline")).body.total).toBe(1);

    server.models = ["m1", "m2"];
    await server.start();
    await sweep(app, clock);
    const back = (await api(app, "GET", `/api/endpoints/${id}`)).body;
    expect(back).toMatchObject({ status: "online", error_count: 0, last_error: null });
    expect(back.models.map((model: { model_id: string }) => model.model_id)).toEqual(["m1", "m2"]);

    expect(statusEvents(events).map((event) => [event.old_status, event.new_status])).toEqual([
      ["pending", "online"],
      ["online", "error"],
      ["error", "offline"],
      ["offline", "online"],
    ]);
    expect(statusEvents(events)[2]).toMatchObject({ endpoint_id: id, latency_ms: latency });
    expect(server.requests.every((request) => request.method === "GET")).toBe(true);
  });

  it("probes each endpoint on its own interval", async () => {
    const app = await start();
    const fast = await startFakeServer("openai");
    const slow = await startFakeServer("openai");
    stoppers.push(fast, slow);
    await api(app, "POST", "/api/endpoints", {
      name: "fast",
      base_url: fast.url,
      health_check_interval_secs: 5,
    });
    await api(app, "POST", "/api/endpoints", {
      name: "slow",
      base_url: slow.url,
      health_check_interval_secs: 300,
    });
    const job = app.composition.jobs.healthSweep;
    await job?.run(); // first round: both due
    const [fastBefore, slowBefore] = [fast.requests.length, slow.requests.length];
    clock.advance(6_000);
    await job?.run();
    expect(fast.requests.length).toBe(fastBefore + 1);
    expect(slow.requests.length).toBe(slowBefore);
  });

  it("does not let a server that never answers delay the others beyond one probe timeout", async () => {
    const app = await start({ LLMLB_PROBE_TIMEOUT_MS: "400" });
    const events: PublishedEvent[] = [];
    app.composition.deps.events.subscribe((event) => events.push(event));
    const silent = await startSilentServer();
    const good = await startFakeServer("openai", { models: ["fast-model"] });
    stoppers.push(silent, good);
    await good.stop();
    // Registered first, so a one-after-another sweep would wait for it before probing `good`.
    const hung = await api(app, "POST", "/api/endpoints", { name: "hung", base_url: silent.url });
    expect(hung.body.status).toBe("pending");
    expect(hung.body.last_error).toMatch(/time/i);
    const late = await api(app, "POST", "/api/endpoints", { name: "good", base_url: good.url });
    expect(late.body.status).toBe("pending");

    await good.start();
    await sweep(app, clock);
    expect(statusEvents(events).map((event) => [event.endpoint_id, event.new_status])).toEqual([
      [late.body.id, "online"],
      [hung.body.id, "offline"],
    ]);
    const list = (await api(app, "GET", "/api/endpoints")).body;
    expect(
      list.endpoints.map((endpoint: { name: string; status: string }) => [endpoint.name, endpoint.status]),
    ).toEqual([
      ["hung", "offline"],
      ["good", "online"],
    ]);
  });
});
