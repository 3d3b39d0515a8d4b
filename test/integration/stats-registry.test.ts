// Statistics with endpoints registered through the API: live counters in the endpoint JSON, and the
// average response time falling back to the latency an offline endpoint keeps, across a restart.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { api, type MovableClock, movableClock, sweep } from "../fixtures/admin-api.js";
import { completion, runJob } from "../fixtures/completions.js";
import { type FakeServer, startFakeServer } from "../fixtures/fake-servers.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("statistics of registered endpoints", () => {
  let dir: TempDir;
  let clock: MovableClock;
  const apps: TestApp[] = [];
  const servers: FakeServer[] = [];
  const start = async () => {
    clock = movableClock();
    const app = await startTestApp({
      clock,
      env: { LLMLB_DATABASE_URL: `file:${join(dir.path, "llmlb.db")}` },
    });
    apps.push(app);
    return app;
  };
  const restart = async (app: TestApp) => {
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    return start();
  };
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const server of servers.splice(0)) await server.stop();
    dir.remove();
  });

  it("endpoint JSON shows live counters at once and the same after a restart", async () => {
    dir = tempDir();
    let app = await start();
    const server = await startFakeServer("vllm", { models: ["m1"] });
    servers.push(server);
    const id = (await api(app, "POST", "/api/endpoints", { name: "gpu", base_url: server.url })).body
      .id as string;
    for (let i = 0; i < 10; i++) {
      app.composition.deps.completions.record(
        completion({ endpoint_id: id, endpoint_model: "m1", status: i === 9 ? "error" : "success" }),
      );
    }
    const counters = { total_requests: 10, successful_requests: 9, failed_requests: 1 };
    expect((await api(app, "GET", `/api/endpoints/${id}`)).body).toMatchObject(counters);
    expect((await api(app, "GET", "/api/endpoints")).body.endpoints[0]).toMatchObject(counters);
    await runJob(app, "statsFlush");
    expect((await api(app, "GET", `/api/endpoints/${id}`)).body).toMatchObject(counters);

    app = await restart(app);
    expect((await api(app, "GET", `/api/endpoints/${id}`)).body).toMatchObject(counters);
    expect((await api(app, "GET", `/api/endpoints/${id}/model-tps`)).body).toEqual([
      expect.objectContaining({ model_id: "m1", tps: 50, request_count: 9 }),
    ]);

    // Deleting the endpoint forgets its live TPS.
    expect((await api(app, "DELETE", `/api/endpoints/${id}`)).status).toBe(204);
    expect(app.composition.deps.tracker.entries(id)).toEqual([]);
    expect((await api(app, "GET", `/api/endpoints/${id}/model-tps`)).status).toBe(404);
  });

  it("an endpoint gone offline keeps its latency, which is the average response time after a restart", async () => {
    dir = tempDir();
    let app = await start();
    expect(app.composition.deps.stats.averageResponseTimeMs()).toBeNull();
    const server = await startFakeServer("ollama", { models: ["llama3:latest"] });
    servers.push(server);
    const created = (await api(app, "POST", "/api/endpoints", { name: "gpu", base_url: server.url })).body;
    const latency = created.latency_ms as number;
    expect(latency).toBeGreaterThanOrEqual(0);

    await server.stop();
    await sweep(app, clock);
    await sweep(app, clock);
    const offline = (await api(app, "GET", `/api/endpoints/${created.id}`)).body;
    expect(offline).toMatchObject({ status: "offline", latency_ms: latency });

    app = await restart(app);
    expect((await api(app, "GET", `/api/endpoints/${created.id}`)).body.latency_ms).toBe(latency);
    expect(app.composition.deps.stats.averageResponseTimeMs()).toBe(Math.round(latency * 10) / 10);
  });
});
