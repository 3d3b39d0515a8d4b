// Statistics fed by real proxied requests (the openai SDK through /v1/*): counters, daily stats, history,
// TPS and the timeline, checked against what the database holds and across a restart; deleted endpoints
// and the wait queue.
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ema } from "../../src/balancer/tps-tracker.js";
import type { CompletionRecord } from "../../src/events/types.js";
import { getJson, runJob } from "../fixtures/completions.js";
import { type InferenceServer, type ModelScript, startInferenceServer } from "../fixtures/fake-inference.js";
import { captureCompletions, eventually, openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { openTestDatabase, type TempDir, tempDir } from "../fixtures/temp-db.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

interface HistoryRow {
  request_id: string;
  model: string;
  status: string;
  stream: number;
  duration_ms: number;
  output_tokens: number;
  tokens_estimated: number;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const emaOf = (samples: number[]) => samples.reduce<number | null>((tps, sample) => ema(tps, sample), null);

describe("statistics of proxied requests", () => {
  let dir: TempDir;
  let url: string;
  const apps: TestApp[] = [];
  const servers: InferenceServer[] = [];

  const start = async (env: Record<string, string> = {}) => {
    const app = await startTestApp({ env: { LLMLB_DATABASE_URL: url, ...env } });
    apps.push(app);
    return app;
  };
  const restart = async (app: TestApp) => {
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    return start();
  };
  const server = async (models: string[], scripts: Record<string, ModelScript> = {}) => {
    const started = await startInferenceServer("vllm", { models, scripts });
    servers.push(started);
    return started;
  };
  const query = async <T>(statement: ReturnType<typeof sql>) => {
    const handle = openTestDatabase(url);
    try {
      return await handle.db.all<T>(statement);
    } finally {
      handle.close();
    }
  };
  const history = () =>
    query<HistoryRow>(sql`SELECT request_id, model, status, stream, duration_ms, output_tokens,
      tokens_estimated FROM request_history ORDER BY id`);

  beforeEach(() => {
    dir = tempDir();
    url = `file:${join(dir.path, "llmlb.db")}`;
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const fake of servers.splice(0)) await fake.stop();
    dir.remove();
  });

  it("10 requests: counters in the API at once, one flush writes them, restarts neither lose nor double them", async () => {
    let app = await start();
    const fake = await server(["m", "refused"], { refused: { failStatus: 400 } });
    const id = await registerEndpoint(app, "gpu1", fake.url);
    const client = await openaiClient(app);
    const records = captureCompletions(app);
    const messages = [{ role: "user" as const, content: "hi" }];
    for (let i = 0; i < 5; i++) await client.chat.completions.create({ model: "m", messages, max_tokens: 4 });
    for (let i = 0; i < 4; i++) {
      const stream = await client.chat.completions.create({
        model: "m",
        messages,
        max_tokens: 6,
        stream: true,
      });
      for await (const _chunk of stream) {
        // read to the end
      }
    }
    await expect(client.chat.completions.create({ model: "refused", messages })).rejects.toMatchObject({
      status: 400,
    });
    await eventually(() => records.length === 10);

    // Visible in the API as soon as the request is handed over: no database write needed.
    const expected = { total_requests: 10, successful_requests: 9, failed_requests: 1 };
    expect((await getJson(app, `/api/endpoints/${id}`)).body).toMatchObject(expected);
    expect((await getJson(app, `/api/endpoints/${id}/today-stats`)).body).toMatchObject({
      ...expected,
      total_output_tokens: 5 * 4 + 4 * 6,
    });

    // The recorder's 1-second job writes everything in one batch.
    await runJob(app, "statsFlush");
    expect(await query(sql`SELECT total_requests, failed_requests FROM endpoints`)).toEqual([
      { total_requests: 10, failed_requests: 1 },
    ]);
    expect((await history()).map((row) => row.request_id).sort()).toEqual(
      records.map((record) => record.request_id).sort(),
    );

    for (let round = 0; round < 2; round++) {
      app = await restart(app);
      expect((await getJson(app, `/api/endpoints/${id}`)).body).toMatchObject(expected);
      expect((await getJson(app, `/api/endpoints/${id}/daily-stats?days=1`)).body).toMatchObject([
        { ...expected, total_output_tokens: 44 },
      ]);
      expect(await history()).toHaveLength(10);
    }
  });

  it("TPS from streamed requests is the EMA of the recorded requests, flagged estimates count in the timeline", async () => {
    let app = await start();
    const fake = await server(["m", "plain"], {
      m: { tokensPerSec: 400, ttftMs: 15 },
      plain: { tokensPerSec: 400, usage: "none" },
    });
    const id = await registerEndpoint(app, "gpu1", fake.url);
    const client = await openaiClient(app);
    const records = captureCompletions(app);
    const messages = [{ role: "user" as const, content: "hi" }];
    const tokens = [12, 30, 20, 8, 25];
    for (const max_tokens of tokens) {
      const stream = await client.chat.completions.create({ model: "m", messages, max_tokens, stream: true });
      for await (const _chunk of stream) {
        // read to the end
      }
    }
    const plain = await client.chat.completions.create({
      model: "plain",
      messages,
      max_tokens: 9,
      stream: true,
    });
    let text = "";
    for await (const chunk of plain) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).not.toBe("");
    await eventually(() => records.length === 6);
    await runJob(app, "statsFlush");

    const rows = await history();
    const streamed = rows.filter((row) => row.model === "m");
    // The fake's usage, exactly; not estimated.
    expect(streamed.map((row) => [row.output_tokens, row.tokens_estimated, row.stream])).toEqual(
      tokens.map((n) => [n, 0, 1]),
    );
    const modelTps = async () =>
      (
        await getJson<{ model_id: string; tps: number; request_count: number }[]>(
          app,
          `/api/endpoints/${id}/model-tps`,
        )
      ).body;
    const reported = (await modelTps()).find((entry) => entry.model_id === "m");
    expect(reported?.request_count).toBe(5);
    // Exactly the EMA of the records' (0.1 ms) durations; within the rounding of history's whole-ms durations.
    const exact = records.filter((record) => record.model === "m");
    expect(reported?.tps).toBe(
      round1(emaOf(exact.map((r) => r.output_tokens / (r.duration_ms / 1000))) ?? 0),
    );
    const bound = (shift: number) =>
      emaOf(streamed.map((row) => row.output_tokens / ((row.duration_ms + shift) / 1000))) ?? 0;
    expect(reported?.tps).toBeGreaterThanOrEqual(round1(bound(0.5)) - 0.05);
    expect(reported?.tps).toBeLessThanOrEqual(round1(bound(-0.5)) + 0.05);

    // No usage from the upstream: estimated from the text, flagged, and still counted.
    const estimated = rows.find((row) => row.model === "plain");
    expect(estimated).toMatchObject({ status: "success", tokens_estimated: 1 });
    expect(estimated?.output_tokens).toBeGreaterThan(0);
    const lastMinute = new Date(
      Math.floor((records.at(-1) as CompletionRecord).finished_at / 60_000) * 60_000,
    );
    const points = app.composition.deps.stats.history();
    expect(points.reduce((sum, p) => sum + p.success + p.error, 0)).toBe(6);
    expect(points.find((p) => p.minute === lastMinute.toISOString())?.success).toBeGreaterThan(0);

    app = await restart(app);
    expect((await modelTps()).find((entry) => entry.model_id === "m")?.tps).toBe(reported?.tps);
    const rebuilt = app.composition.deps.stats.history();
    expect(rebuilt.reduce((sum, p) => sum + p.success, 0)).toBe(6);
  });

  it("a deleted endpoint's circuit and TPS are forgotten", async () => {
    const app = await start({ LLMLB_CIRCUIT_FAILURE_THRESHOLD: "2" });
    const fake = await server(["m"]);
    const id = await registerEndpoint(app, "gpu1", fake.url);
    const client = await openaiClient(app);
    const messages = [{ role: "user" as const, content: "hi" }];
    await client.chat.completions.create({ model: "m", messages, max_tokens: 3 });
    fake.scripts.m = { failStatus: 500 };
    for (let i = 0; i < 2; i++) {
      await expect(client.chat.completions.create({ model: "m", messages })).rejects.toMatchObject({
        status: 500,
      });
    }
    expect((await getJson(app, `/api/endpoints/${id}`)).body).toMatchObject({ circuit_state: "open" });
    expect((await getJson<unknown[]>(app, `/api/endpoints/${id}/model-tps`)).body).toHaveLength(1);

    const deleted = await fetch(`${app.url}/api/endpoints/${id}`, {
      method: "DELETE",
      headers: await app.adminHeaders(),
    });
    expect(deleted.status).toBe(204);
    expect(app.composition.deps.circuits.circuitState(id)).toBe("closed");
    expect(app.composition.deps.tracker.entries(id)).toEqual([]);
  });

  it("a queued request is served as soon as another endpoint for its model comes online", async () => {
    const app = await start({ LLMLB_QUEUE_MAX: "4", LLMLB_QUEUE_TIMEOUT_SECS: "30" });
    const slow = await server(["m"], { m: { tokensPerSec: 20 } });
    const busy = await registerEndpoint(app, "slow", slow.url, { max_concurrency: 1 });
    const client = await openaiClient(app);
    const messages = [{ role: "user" as const, content: "hi" }];
    const holder = new AbortController();
    const long = await client.chat.completions.create(
      { model: "m", messages, max_tokens: 400, stream: true },
      { signal: holder.signal },
    );
    const longChunks = long[Symbol.asyncIterator]();
    await longChunks.next();

    const queued = client.chat.completions.create({ model: "m", messages, max_tokens: 3 });
    await eventually(() => app.composition.deps.liveLoad.queued() === 1);
    const fast = await server(["m"]);
    const fresh = await registerEndpoint(app, "fast", fast.url);
    const answer = await queued;
    expect(answer.choices[0]?.message.content).toBe("w0 w1 w2 ");
    // Served by the new endpoint while the slow one still streams (not when its slot came free).
    expect(app.composition.deps.liveLoad.inFlight(busy)).toBe(1);
    expect(fast.requests.some((request) => request.path === "/v1/chat/completions")).toBe(true);
    expect(app.composition.deps.liveLoad.inFlight(fresh)).toBe(0);
    holder.abort();
    await longChunks.return?.();
  });
});
