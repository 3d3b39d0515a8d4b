import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { completionsOf } from "../../src/events/completion-batch.js";
import type { EventJsonPayloads } from "../../src/events/types.js";
import { api, type MovableClock, movableClock, sweep } from "../fixtures/admin-api.js";
import { type InferenceServer, type ModelScript, startInferenceServer } from "../fixtures/fake-inference.js";
import { eventually, openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { openSse, type SseClient, type SseMessage } from "../fixtures/sse-client.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;
const servers: InferenceServer[] = [];
const streams: SseClient[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await app?.close();
  app = undefined;
  for (const server of servers.splice(0)) await server.stop();
});

async function setup(scripts: Record<string, ModelScript> = {}, options: { clock?: MovableClock } = {}) {
  app = await startTestApp({ clock: options.clock });
  const server = await startInferenceServer("vllm", { models: ["m"], scripts });
  servers.push(server);
  const id = await registerEndpoint(app, "gpu-1", server.url);
  return { app, server, id, client: await openaiClient(app) };
}

async function events(target: TestApp, headers: Record<string, string> = {}): Promise<SseClient> {
  const stream = await openSse(`${target.url}/api/events`, { ...(await target.adminHeaders()), ...headers });
  streams.push(stream);
  return stream;
}

const data = <K extends keyof EventJsonPayloads>(message: SseMessage, _type: K) =>
  JSON.parse(message.data) as EventJsonPayloads[K];

async function scrape(target: TestApp): Promise<string> {
  const created = await api(target, "POST", "/api/api-keys", {
    name: "prometheus",
    permissions: ["metrics.read"],
  });
  const response = await fetch(`${target.url}/metrics`, {
    headers: { authorization: `Bearer ${created.body.key}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return response.text();
}

/** The value of the one sample whose name and labels start with `prefix` (labels in exposition order). */
function sample(text: string, prefix: string): number {
  const found = text.split("\n").filter((line) => line.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one sample for ${prefix}, found ${found.length}`);
  return Number(found[0]?.split(" ").at(-1));
}

describe("live events from real traffic", () => {
  it("a proxied request produces its completion record and a TpsUpdated whose tps model-tps then reports", async () => {
    const { app, id, client } = await setup({ m: { tokensPerSec: 400, outputTokens: 20 } });
    const stream = await events(app);
    await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      stream: false,
    });

    const batch = data(await stream.waitFor((e) => e.event === "RequestsCompleted"), "RequestsCompleted");
    const [completed, ...others] = completionsOf(batch);
    expect(others).toEqual([]);
    expect(completed).toMatchObject({ endpoint_id: id, model: "m", status: "success", output_tokens: 20 });
    expect(completed?.finished_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const tps = data(await stream.waitFor((e) => e.event === "TpsUpdated"), "TpsUpdated");
    expect(tps).toMatchObject({
      endpoint_id: id,
      model_id: "m",
      api_kind: "chat_completions",
      output_tokens: 20,
    });
    expect(tps.tps).toBeGreaterThan(0);
    // The learned load profile travels with it (computed when the event is encoded): one request, alone.
    expect(tps.load?.curve).toEqual([expect.objectContaining({ in_flight: 1, requests: 1 })]);

    const modelTps = await api(app, "GET", `/api/endpoints/${id}/model-tps`);
    expect(modelTps.body).toHaveLength(1);
    expect(modelTps.body[0].tps).toBe(Math.round((tps.tps ?? 0) * 10) / 10);
  });

  it("stopping an upstream produces EndpointStatusChanged", async () => {
    const clock = movableClock();
    const { app, server, id } = await setup({}, { clock });
    const stream = await events(app);
    await server.stop();
    await sweep(app, clock);
    const changed = data(
      await stream.waitFor((e) => e.event === "EndpointStatusChanged"),
      "EndpointStatusChanged",
    );
    expect(changed).toMatchObject({ endpoint_id: id, old_status: "online", new_status: "error" });
    expect(changed.last_error).toEqual(expect.any(String));
  });

  it("publishes MetricsUpdated only when the overview figures changed", async () => {
    const { app, client } = await setup();
    const job = app.composition.jobs.metricsUpdated;
    if (!job) throw new Error("no metrics-updated job");
    await job.run();
    const stream = await events(app);
    await job.run();
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    await job.run();
    const updated = data(await stream.waitFor((e) => e.event === "MetricsUpdated"), "MetricsUpdated");
    expect(updated).toMatchObject({ total_requests: 1, successful_requests: 1, active_requests: 0 });
    expect(stream.events.filter((e) => e.event === "MetricsUpdated")).toHaveLength(1);
  });
});

describe("GET /metrics", () => {
  it("passes promtool and its counters equal the dashboard's after a known number of requests", async () => {
    const { app, id, client } = await setup({ bad: { failStatus: 500 } });
    servers[0]?.models.push("bad");
    await api(app, "POST", `/api/endpoints/${id}/sync`);
    for (let i = 0; i < 3; i++) {
      await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    }
    await expect(client.chat.completions.create({ model: "bad", messages: [] })).rejects.toThrow();

    const text = await scrape(app);
    const promtool = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(promtool.stderr + promtool.stdout).toBe("");
    expect(promtool.status).toBe(0);

    const stats = (await api(app, "GET", "/api/dashboard/stats")).body;
    const base = `endpoint_id="${id}",endpoint="gpu-1"`;
    const ok = sample(
      text,
      `llmlb_requests_total{${base},model="m",api_kind="chat_completions",outcome="success"}`,
    );
    const failed = sample(
      text,
      `llmlb_requests_total{${base},model="bad",api_kind="chat_completions",outcome="error"}`,
    );
    expect([ok, failed]).toEqual([stats.successful_requests, stats.failed_requests]);
    expect(ok + failed).toBe(stats.total_requests);
    expect(stats.total_requests).toBe(4);
    const output = sample(text, `llmlb_output_tokens_total{${base},model="m",api_kind="chat_completions"}`);
    expect(output).toBe(stats.total_output_tokens);
    expect(sample(text, `llmlb_endpoint_up{${base}`)).toBe(1);
    expect(sample(text, `llmlb_tokens_per_second{${base},model="m"`)).toBeGreaterThan(0);
    expect(sample(text, `llmlb_request_duration_seconds_count{${base},model="m"`)).toBe(3);
  });

  it("needs a metrics.read key unless LLMLB_METRICS_PUBLIC=1", async () => {
    app = await startTestApp();
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    await app.close();
    app = await startTestApp({ env: { LLMLB_METRICS_PUBLIC: "1" } });
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("# TYPE llmlb_requests_total counter");
  });
});

describe("dashboard overview", () => {
  it("counts a slow stream as active while it is in flight and 0 after it ends", async () => {
    const { app, id, client } = await setup({ slow: { tokensPerSec: 20, outputTokens: 30 } });
    servers[0]?.models.push("slow");
    await api(app, "POST", `/api/endpoints/${id}/sync`);
    const stream = await client.chat.completions.create({
      model: "slow",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();

    const during = (await api(app, "GET", "/api/dashboard/overview")).body;
    expect(during.stats.active_requests).toBe(1);
    expect(during.endpoints.find((endpoint: { id: string }) => endpoint.id === id).active_requests).toBe(1);
    expect(sample(await scrape(app), `llmlb_in_flight_requests{endpoint_id="${id}"`)).toBe(1);

    while (!(await chunks.next()).done) {
      // drain the stream
    }
    await eventually(() => app.composition.deps.liveLoad.totalInFlight() === 0);
    const after = (await api(app, "GET", "/api/dashboard/overview")).body;
    expect(after.stats.active_requests).toBe(0);
    expect(after.stats).toMatchObject({ total_requests: 1, successful_requests: 1, total_endpoints: 1 });
    expect(after.stats.online_endpoints).toBe(1);
    expect(after.history).toHaveLength(60);
    expect(after.history.at(-1)).toMatchObject({ success: 1, error: 0 });
    expect(after.endpoint_tps).toEqual([
      {
        endpoint_id: id,
        model_count: 1,
        aggregate_tps: expect.any(Number),
        total_output_tokens: 30,
        total_requests: 1,
      },
    ]);
    expect(after.generated_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(after.generation_time_ms).toEqual(expect.any(Number));
  });

  it("serves stats, endpoints, the request timeline and per endpoint × model speeds", async () => {
    const { app, id, client } = await setup({ m: { outputTokens: 10 } });
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    const [stats, endpoints, history, models] = await Promise.all(
      ["stats", "endpoints", "request-history", "model-stats"].map((path) =>
        api(app, "GET", `/api/dashboard/${path}`),
      ),
    );
    expect(stats?.body).toMatchObject({ total_requests: 1, total_output_tokens: 10, active_requests: 0 });
    expect(endpoints?.body).toEqual([
      expect.objectContaining({
        id,
        name: "gpu-1",
        status: "online",
        total_requests: 1,
        active_requests: 0,
        circuit_state: "closed",
        models: ["m"],
        model_count: 1,
      }),
    ]);
    expect(endpoints?.body[0]).not.toHaveProperty("api_key");
    expect(history?.body).toHaveLength(60);
    expect(models?.body).toEqual([
      expect.objectContaining({ endpoint_id: id, endpoint_name: "gpu-1", model_id: "m", request_count: 1 }),
    ]);
  });
});
