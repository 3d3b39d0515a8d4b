// TPS benchmark runs over real HTTP: figures against the fake upstreams' configured speeds, progress
// events, cancellation, validation and access, and runs kept (the newest 50) across a restart.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { benchmarkRuns } from "../../src/db/schema.js";
import { viewerHeaders } from "../fixtures/accounts.js";
import { api } from "../fixtures/admin-api.js";
import type { ModelScript } from "../fixtures/fake-inference.js";
import { captureCompletions, eventually, openaiClient, testbed } from "../fixtures/proxy-harness.js";
import { openSse } from "../fixtures/sse-client.js";
import { tempDir } from "../fixtures/temp-db.js";
import type { TestApp } from "../fixtures/test-app.js";

// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON fields
type Json = any;

const within = (actual: number, expected: number, share = 0.2) =>
  expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(share);

async function waitForRun(app: TestApp, runId: string, done: (run: Json) => boolean): Promise<Json> {
  for (let i = 0; i < 600; i++) {
    const run = (await api(app, "GET", `/api/benchmarks/tps/${runId}`)).body;
    if (done(run)) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${runId} did not reach the awaited state in 30 s`);
}

describe("TPS benchmark runs", () => {
  const bed = testbed();
  const setup = (scripts: ModelScript[], env: Record<string, string> = {}) => bed.start(scripts, { env });

  // TTFTs of several hundred ms keep scheduling jitter on a loaded machine well inside the 20 %.
  it("measures TTFT, decode speed and throughput that agree with each upstream's configured speed", async () => {
    const { app, ids } = await setup([
      { tokensPerSec: 100, ttftMs: 500 },
      { tokensPerSec: 50, ttftMs: 800 },
    ]);
    const records = captureCompletions(app);
    const events = await openSse(`${app.url}/api/events`, await app.adminHeaders());
    const started = await api(app, "POST", "/api/benchmarks/tps", {
      endpoint_ids: ids,
      model: "m",
      requests: 3,
      concurrency: 1,
      max_tokens: 25,
    });
    expect(started.status).toBe(202);
    const runId = started.body.run_id as string;
    const run = await waitForRun(app, runId, (candidate) => candidate.status !== "running");
    expect(run.status).toBe("completed");
    expect(run.progress).toEqual({ done: 6, total: 6 });
    const [fast, slow] = run.results as Json[];
    expect(fast).toMatchObject({
      endpoint_id: ids[0],
      endpoint_name: "gpu-0",
      requests: 3,
      errors: 0,
      output_tokens: 75,
    });
    expect(slow).toMatchObject({
      endpoint_id: ids[1],
      endpoint_name: "gpu-1",
      requests: 3,
      errors: 0,
      output_tokens: 75,
    });
    within(fast.decode_tps, 100);
    within(slow.decode_tps, 50);
    within(fast.ttft_ms_p50, 500);
    within(slow.ttft_ms_p50, 800);
    expect(fast.ttft_ms_p95).toBeGreaterThanOrEqual(fast.ttft_ms_p50);
    // One request at a time: throughput = tokens / (TTFT + the other 24 tokens at the decode speed).
    within(fast.tps, 25 / (0.5 + 24 / 100));
    within(slow.tps, 25 / (0.8 + 24 / 50));
    // Progress went out as events, ending with the final state.
    const last = await events.waitFor(
      (event) => event.event === "BenchmarkProgress" && JSON.parse(event.data).status === "completed",
    );
    expect(JSON.parse(last.data)).toEqual({ run_id: runId, status: "completed", done: 6, total: 6 });
    events.close();
    // Recorded like any request, tagged as benchmark traffic, each on the endpoint it was pinned to.
    expect(records.filter((record) => record.source === "benchmark")).toHaveLength(6);
    expect(records.filter((record) => record.endpoint_id === ids[0])).toHaveLength(3);
  });

  it("cancel stops sending, aborts requests in flight and marks the run cancelled", async () => {
    const {
      app,
      ids,
      servers: [server],
    } = await setup([{ tokensPerSec: 10 }]);
    const records = captureCompletions(app);
    const started = await api(app, "POST", "/api/benchmarks/tps", {
      endpoint_ids: ids,
      model: "m",
      requests: 50,
      concurrency: 2,
      max_tokens: 200,
    });
    const runId = started.body.run_id as string;
    const chats = () =>
      server?.requests.filter((request) => request.path === "/v1/chat/completions").length ?? 0;
    await eventually(() => chats() === 2);
    // A second run is refused while this one runs.
    const second = await api(app, "POST", "/api/benchmarks/tps", {
      endpoint_ids: ids,
      model: "m",
      requests: 1,
      concurrency: 1,
      max_tokens: 5,
    });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("benchmark_running");
    const cancelled = await api(app, "DELETE", `/api/benchmarks/tps/${runId}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    expect(cancelled.body.progress.done).toBeLessThan(cancelled.body.progress.total);
    // Both in-flight requests ended as client aborts, and nothing more was sent.
    await eventually(() => records.length === 2);
    expect(records.every((record) => record.status === "error" && record.source === "benchmark")).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(chats()).toBe(2);
    expect((await api(app, "GET", `/api/benchmarks/tps/${runId}`)).body.status).toBe("cancelled");
  });

  it("shares an endpoint's max_concurrency with users: a user's request queued behind the run is served next", async () => {
    const { app, ids } = await setup([{ tokensPerSec: 100 }]);
    await api(app, "PUT", `/api/endpoints/${ids[0]}`, { max_concurrency: 2 });
    const runId = (
      await api(app, "POST", "/api/benchmarks/tps", {
        endpoint_ids: ids,
        model: "m",
        requests: 40,
        concurrency: 2,
        max_tokens: 10,
      })
    ).body.run_id as string;
    // Both slots are the run's now; the user's request waits in the same queue and gets the next free slot.
    await waitForRun(app, runId, (run) => run.progress.done >= 1);
    const client = await openaiClient(app);
    const answer = await client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "me first" }], max_tokens: 5 })
      .withResponse();
    expect(answer.data.choices[0]?.message.content).toContain("w0");
    expect(Number(answer.response.headers.get("x-llmlb-queue-wait-ms"))).toBeGreaterThan(0);
    const run = (await api(app, "GET", `/api/benchmarks/tps/${runId}`)).body;
    expect(run.status).toBe("running");
    expect(run.progress.done).toBeLessThan(run.progress.total / 2);
    await api(app, "DELETE", `/api/benchmarks/tps/${runId}`);
  });

  it("rejects bad input with the field named, unknown runs and endpoints with 404, viewers' writes with 403", async () => {
    const { app, ids } = await setup([{}]);
    const base = { endpoint_ids: ids, model: "m", requests: 1, concurrency: 1, max_tokens: 5 };
    const bad = async (body: unknown, param: string) => {
      const answer = await api(app, "POST", "/api/benchmarks/tps", body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe(param);
    };
    await bad({ ...base, requests: 0 }, "requests");
    await bad({ ...base, requests: 1001 }, "requests");
    await bad({ ...base, concurrency: 65 }, "concurrency");
    await bad({ ...base, endpoint_ids: [] }, "endpoint_ids");
    await bad({ ...base, model: "not-served" }, "model");
    const { max_tokens: _omitted, ...noMax } = base;
    await bad(noMax, "max_tokens");
    expect((await api(app, "POST", "/api/benchmarks/tps", { ...base, endpoint_ids: ["nope"] })).status).toBe(
      404,
    );
    expect((await api(app, "GET", "/api/benchmarks/tps/nope")).status).toBe(404);
    const viewer = await viewerHeaders(app);
    const post = await fetch(`${app.url}/api/benchmarks/tps`, {
      method: "POST",
      headers: { ...viewer, "content-type": "application/json" },
      body: JSON.stringify(base),
    });
    expect(post.status).toBe(403);
    const list = await fetch(`${app.url}/api/benchmarks/tps`, { headers: viewer });
    expect(list.status).toBe(200);
  });

  it("keeps the newest 50 runs, and a finished run reads the same after a restart", async () => {
    const dir = tempDir();
    const url = `file:${join(dir.path, "llmlb.db")}`;
    try {
      const { app, ids } = await setup([{ tokensPerSec: 1000 }], { LLMLB_DATABASE_URL: url });
      // 55 older runs, as earlier runs would have left them.
      const old = Array.from({ length: 55 }, (_, i) => ({
        id: `old-${i}`,
        status: "completed",
        params: JSON.stringify({
          endpoint_ids: ids,
          model: "m",
          requests: 1,
          concurrency: 1,
          max_tokens: 5,
          prompt: "p",
          stream: true,
        }),
        done: 1,
        total: 1,
        results: "[]",
        createdAt: Date.now() - 1_000_000 + i,
        updatedAt: Date.now() - 1_000_000 + i,
        finishedAt: Date.now() - 1_000_000 + i,
      }));
      await app.composition.deps.database.db.insert(benchmarkRuns).values(old);
      const runId = (
        await api(app, "POST", "/api/benchmarks/tps", {
          endpoint_ids: ids,
          model: "m",
          requests: 2,
          concurrency: 2,
          max_tokens: 5,
        })
      ).body.run_id as string;
      const finished = await waitForRun(app, runId, (run) => run.status !== "running");
      await bed.closeAll();
      const again = await bed.app({ LLMLB_DATABASE_URL: url });
      expect((await api(again, "GET", `/api/benchmarks/tps/${runId}`)).body).toEqual(finished);
      const runs = (await api(again, "GET", "/api/benchmarks/tps")).body.runs as Json[];
      expect(runs).toHaveLength(50);
      expect(runs[0].run_id).toBe(runId);
      expect(runs.some((run) => run.run_id === "old-0")).toBe(false);
      expect(runs.some((run) => run.run_id === "old-54")).toBe(true);
    } finally {
      dir.remove();
    }
  });
});
