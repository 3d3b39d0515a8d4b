// Routing learns how real (fake) servers behave under load over HTTP: one that splits its speed among
// requests and one that batches them, and a model that has to load (Ollama /api/ps); the learned profile
// shows in model-tps and decides where requests go.
import type OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import type { ModelTps } from "../../src/stats/daily-report.js";
import { runJob } from "../fixtures/completions.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { captureCompletions, eventually, openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

async function streamChat(client: OpenAI): Promise<void> {
  const stream = await client.chat.completions.create({
    model: "m",
    messages: [{ role: "user", content: "Tell a story." }],
    max_tokens: 24,
    stream: true,
  });
  for await (const _ of stream) {
    // drained
  }
}

describe("learned routing", () => {
  const apps: TestApp[] = [];
  const servers: InferenceServer[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const server of servers.splice(0)) await server.stop();
  });

  it("learns a sharing and a batching server and sends concurrent load where it finishes sooner", async () => {
    // Alone the sharing server is twice as fast; with more than two requests in flight the batching one is.
    const sharing = await startInferenceServer("llamacpp", {
      models: ["m"],
      scripts: { m: { tokensPerSec: 120, shared: true } },
    });
    const batching = await startInferenceServer("vllm", {
      models: ["m"],
      scripts: { m: { tokensPerSec: 60, slots: 8 } },
    });
    servers.push(sharing, batching);
    const app = await startTestApp({ env: { LLMLB_LOAD_BALANCER_MODE: "auto" } });
    apps.push(app);
    const shareId = await registerEndpoint(app, "one-slot", sharing.url);
    const batchId = await registerEndpoint(app, "batching", batching.url);
    const client = await openaiClient(app);
    const records = captureCompletions(app);

    for (let i = 0; i < 8; i++) await streamChat(client);
    const waves = 4;
    const servedInWave: { share: number; batch: number }[] = [];
    for (let wave = 0; wave < waves; wave++) {
      const before = records.length;
      await Promise.all(Array.from({ length: 8 }, () => streamChat(client)));
      await eventually(() => records.length === before + 8);
      const mine = records.slice(before);
      servedInWave.push({
        share: mine.filter((record) => record.endpoint_id === shareId).length,
        batch: mine.filter((record) => record.endpoint_id === batchId).length,
      });
    }
    expect(records.every((record) => record.status === "success")).toBe(true);
    expect(Math.max(...records.map((record) => record.concurrency ?? 0))).toBeGreaterThan(2);

    const learned = async (id: string) => {
      const response = await fetch(`${app.url}/api/endpoints/${id}/model-tps`, {
        headers: await app.adminHeaders(),
      });
      const [row] = (await response.json()) as ModelTps[];
      return row?.load ?? null;
    };
    const shareLoad = await learned(shareId);
    const batchLoad = await learned(batchId);
    const seen = JSON.stringify({ servedInWave, shareLoad, batchLoad });
    // Sharing: not even a second request keeps its alone speed (1, or 1.5 when timer noise blurs it).
    expect(shareLoad?.slots, seen).toBeLessThan(2);
    expect(batchLoad?.slots, seen).toBeGreaterThanOrEqual(4);
    // The curves: per-stream speed falls with load on the sharing server, stays up on the batching one.
    const spread = (load: typeof shareLoad) => {
      const speeds = (load?.curve ?? []).map((point) => point.decode_tps).filter((tps) => tps !== null);
      return Math.min(...speeds) / Math.max(...speeds);
    };
    expect(spread(shareLoad), seen).toBeLessThan(0.6);
    expect(spread(batchLoad), seen).toBeGreaterThan(0.7);
    // Once learned (the first wave is routed as if both shared their speed), the batching server takes
    // most of each concurrent wave.
    for (const wave of servedInWave.slice(2)) expect(wave.batch, seen).toBeGreaterThan(wave.share);
  }, 60_000);

  it("learns what loading a cold Ollama model costs and avoids it while /api/ps says it is unloaded", async () => {
    const ollama = await startInferenceServer("ollama", {
      models: ["m"],
      scripts: { m: { tokensPerSec: 200, coldLoadMs: 1500 } },
    });
    const vllm = await startInferenceServer("vllm", {
      models: ["m"],
      scripts: { m: { tokensPerSec: 100, slots: 4 } },
    });
    servers.push(ollama, vllm);
    let offset = 0;
    const clock = { now: () => Date.now() + offset, monotonic: () => performance.now() };
    const app = await startTestApp({ env: { LLMLB_LOAD_BALANCER_MODE: "auto" }, clock });
    apps.push(app);
    const ollamaId = await registerEndpoint(app, "ollama", ollama.url, { health_check_interval_secs: 5 });
    const vllmId = await registerEndpoint(app, "vllm", vllm.url);
    const client = await openaiClient(app);
    const records = captureCompletions(app);
    const learned = async () => {
      const response = await fetch(`${app.url}/api/endpoints/${ollamaId}/model-tps`, {
        headers: await app.adminHeaders(),
      });
      const [row] = (await response.json()) as ModelTps[];
      return row?.load ?? null;
    };

    for (let i = 0; i < 8; i++) await streamChat(client);
    expect(records.filter((record) => record.endpoint_id === ollamaId).length).toBeGreaterThanOrEqual(3);
    await runJob(app, "healthSweep");
    const warm = await learned();
    expect(warm?.loaded).toBe(true);
    expect(warm?.load_ms).toBeGreaterThan(1000);
    // Warm and faster: it gets the next request.
    await streamChat(client);
    expect(records.at(-1)?.endpoint_id).toBe(ollamaId);

    // Ollama unloads the model (keep_alive ran out); the next sweep (the endpoint's 5 s interval) sees it.
    ollama.load.loaded.delete("m");
    offset += 6_000;
    await runJob(app, "healthSweep");
    expect((await learned())?.loaded).toBe(false);
    const before = records.length;
    for (let i = 0; i < 4; i++) await streamChat(client);
    expect(records.slice(before).map((record) => record.endpoint_id)).toEqual([
      vllmId,
      vllmId,
      vllmId,
      vllmId,
    ]);
  }, 60_000);
});
