// Request counters, daily stats, history, TPS and the timeline: recorded, flushed, and restored by a second
// app on the same database file.
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PublishedEvent } from "../../src/events/types.js";
import { type MovableClock, middayClock } from "../fixtures/admin-api.js";
import { completion, getJson, insertEndpoint, runJob } from "../fixtures/completions.js";
import { openTestDatabase, type TempDir, tempDir } from "../fixtures/temp-db.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

const MINUTE = 60_000;
const DAY = 86_400_000;

describe("statistics across restarts", () => {
  let dir: TempDir;
  let url: string;
  const apps: TestApp[] = [];
  const start = async (clock?: MovableClock) => {
    const app = await startTestApp({ env: { LLMLB_DATABASE_URL: url }, clock });
    apps.push(app);
    return app;
  };
  const restart = async (app: TestApp) => {
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    return start();
  };
  const query = async <T>(statement: ReturnType<typeof sql>) => {
    const handle = openTestDatabase(url);
    try {
      return await handle.db.all<T>(statement);
    } finally {
      handle.close();
    }
  };

  beforeEach(() => {
    dir = tempDir();
    url = `file:${join(dir.path, "llmlb.db")}`;
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    dir.remove();
  });

  it("shows 10 requests at once, writes them in one flush, and keeps them exactly across restarts", async () => {
    let app = await start();
    await insertEndpoint(app, "e1");
    for (let i = 0; i < 10; i++) {
      app.composition.deps.completions.record(completion(i < 2 ? { status: "error", status_code: 502 } : {}));
    }
    // Visible before any database write.
    expect(app.composition.deps.stats.countersOf("e1")).toEqual({
      totalRequests: 10,
      successfulRequests: 8,
      failedRequests: 2,
      totalInputTokens: 100,
      totalOutputTokens: 1000,
    });
    const today = await getJson<Record<string, unknown>>(app, "/api/endpoints/e1/today-stats");
    expect(today.body).toMatchObject({ total_requests: 10, successful_requests: 8, failed_requests: 2 });
    const tps = await getJson<Record<string, unknown>[]>(app, "/api/endpoints/e1/model-tps");
    expect(tps.body).toEqual([
      {
        model_id: "llama3:8b",
        api_kind: "chat_completions",
        tps: 50,
        request_count: 8,
        total_output_tokens: 800,
        average_duration_ms: 2000,
        ttft_ms: 200,
        decode_tps: 55,
        // Recorded directly, without a dispatch: nothing learned about load.
        load: null,
      },
    ]);

    await runJob(app, "statsFlush");
    const [stored] = await query<{ total_requests: number; failed_requests: number }>(
      sql`SELECT total_requests, failed_requests FROM endpoints WHERE id = 'e1'`,
    );
    expect(stored).toEqual({ total_requests: 10, failed_requests: 2 });
    expect(app.composition.deps.stats.countersOf("e1").totalRequests).toBe(10);

    // Two more, not flushed: stop() writes them.
    app.composition.deps.completions.record(completion());
    app.composition.deps.completions.record(completion({ status: "error" }));
    app = await restart(app);
    const expected = { total_requests: 12, successful_requests: 9, failed_requests: 3 };
    expect((await getJson(app, "/api/endpoints/e1/today-stats")).body).toMatchObject(expected);
    expect(app.composition.deps.stats.totals()).toMatchObject({ totalRequests: 12, failedRequests: 3 });

    app = await restart(app);
    expect(app.composition.deps.stats.countersOf("e1")).toMatchObject({
      totalRequests: 12,
      failedRequests: 3,
    });
    const [history] = await query<{ n: number }>(sql`SELECT count(*) AS n FROM request_history`);
    expect(history?.n).toBe(12);
    const [daily] = await query<{ total_requests: number; total_output_tokens: number }>(
      sql`SELECT total_requests, total_output_tokens FROM endpoint_daily_stats WHERE endpoint_id = 'e1'`,
    );
    expect(daily).toEqual({ total_requests: 12, total_output_tokens: 900 });
  });

  it("publishes RequestCompleted for every request and TpsUpdated (the figures after the update) for successes", async () => {
    const app = await start();
    const seen: PublishedEvent[] = [];
    app.composition.deps.events.subscribe((event) => seen.push(event));
    app.composition.deps.completions.record(
      completion({ output_tokens: 100, duration_ms: 2000, ttft_ms: 200 }),
    );
    app.composition.deps.completions.record(
      completion({ status: "error", status_code: 502, output_tokens: 0 }),
    );
    app.composition.deps.completions.record(
      completion({ output_tokens: 300, duration_ms: 2000, ttft_ms: 400 }),
    );
    // As /api/events sends them (the payload computes its learned `load` when it is encoded).
    const updates = seen
      .filter((event) => event.type === "TpsUpdated")
      .map((event) => JSON.parse(JSON.stringify(event.data)));
    const common = {
      endpoint_id: "e1",
      model_id: "llama3:8b",
      api_kind: "chat_completions",
      duration_ms: 2000,
    };
    expect(updates).toEqual([
      {
        ...common,
        tps: 50,
        output_tokens: 100,
        request_count: 1,
        total_output_tokens: 100,
        average_duration_ms: 2000,
        ttft_ms: 200,
        decode_tps: 55,
        load: null,
      },
      {
        ...common,
        tps: 70,
        output_tokens: 300,
        request_count: 2,
        total_output_tokens: 400,
        average_duration_ms: 2000,
        // 200 + 0.2 × (400 − 200)
        ttft_ms: 240,
        // 55 + 0.2 × (299 / 1.6 − 55)
        decode_tps: expect.closeTo(55 + 0.2 * (299 / 1.6 - 55), 9),
        load: null,
      },
    ]);
    expect(seen.filter((event) => event.type === "RequestCompleted")).toHaveLength(3);
  });

  it("restores TPS from the checkpoint to 0.1 tok/s, merging the rows of every instance", async () => {
    let app = await start();
    await insertEndpoint(app, "e1");
    for (const [tokens, ms] of [
      [100, 2000],
      [333, 4100],
      [90, 1000],
      [512, 7300],
    ] as const) {
      app.composition.deps.completions.record(completion({ output_tokens: tokens, duration_ms: ms }));
    }
    const before = app.composition.deps.tracker.entries("e1")[0];
    app = await restart(app);
    const [entry] = (
      await getJson<{ tps: number; request_count: number }[]>(app, "/api/endpoints/e1/model-tps")
    ).body;
    expect(entry?.tps).toBe(Math.round((before?.tps ?? 0) * 10) / 10);
    expect(entry?.request_count).toBe(4);
    // The restoring instance adopted the old process's rows: one row per key, under its own id.
    const rows = await query<{ instance_id: string }>(sql`SELECT instance_id FROM model_tps_state`);
    expect(rows).toEqual([{ instance_id: app.composition.deps.instanceId }]);

    // Another instance's checkpoint for the same key: merged weighted by request count, not overwritten.
    const handle = openTestDatabase(url);
    await handle.db.run(sql`INSERT INTO model_tps_state
      (instance_id, endpoint_id, model_id, api_kind, tps_ema, request_count, total_output_tokens, total_duration_ms, updated_at)
      VALUES ('peer', 'e1', 'llama3:8b', 'chat_completions', 10.0, 12, 120, 12000, 1)`);
    handle.close();
    app = await restart(app);
    const [merged] = (
      await getJson<{ tps: number; request_count: number }[]>(app, "/api/endpoints/e1/model-tps")
    ).body;
    expect(merged?.tps).toBe(Math.round((((before?.tps ?? 0) * 4 + 10 * 12) / 16) * 10) / 10);
    expect(merged?.request_count).toBe(16);
  });

  it("without a checkpoint rebuilds TPS from today's daily stats (100 tokens / 2000 ms → 50.0); no traffic today → none", async () => {
    // Midday UTC, so "today" and "yesterday" are the same dates across the restart whenever this runs.
    const clock = middayClock();
    let app = await start(clock);
    await insertEndpoint(app, "e1");
    await insertEndpoint(app, "e2");
    app.composition.deps.completions.record(
      completion({ output_tokens: 100, duration_ms: 2000, ttft_ms: null, finished_at: clock.now() }),
    );
    app.composition.deps.completions.record(
      completion({ endpoint_id: "e2", finished_at: clock.now() - DAY }),
    );
    await app.close();
    apps.splice(0);
    const handle = openTestDatabase(url);
    await handle.db.run(sql`DELETE FROM model_tps_state`);
    handle.close();

    app = await start(clock);
    const e1 = await getJson<Record<string, unknown>[]>(app, "/api/endpoints/e1/model-tps");
    expect(e1.body).toEqual([
      expect.objectContaining({ model_id: "llama3:8b", tps: 50, request_count: 1, ttft_ms: null }),
    ]);
    expect((await getJson(app, "/api/endpoints/e2/model-tps")).body).toEqual([]);
    expect(app.composition.deps.tracker.speedOf("e2", "llama3:8b", "chat_completions")).toBeUndefined();
    // e2's traffic is still in its daily stats, under yesterday's UTC date.
    const days = await getJson<{ date: string; total_requests: number; tps: number }[]>(
      app,
      "/api/endpoints/e2/daily-stats?days=2",
    );
    expect(days.body).toEqual([
      expect.objectContaining({
        date: new Date(clock.now() - DAY).toISOString().slice(0, 10),
        total_requests: 1,
        tps: 50,
      }),
    ]);
    expect((await getJson(app, "/api/endpoints/nope/model-tps")).status).toBe(404);
  });

  it("rebuilds the timeline from history: 30 minutes ago is shown, older than 60 minutes is not", async () => {
    let app = await start();
    await insertEndpoint(app, "e1");
    const now = Date.now();
    app.composition.deps.completions.record(completion({ finished_at: now - 30 * MINUTE }));
    app.composition.deps.completions.record(completion({ finished_at: now - 30 * MINUTE, status: "error" }));
    app.composition.deps.completions.record(completion({ finished_at: now - 61 * MINUTE, status: "error" }));
    app.composition.deps.completions.record(completion({ finished_at: now - 90 * MINUTE }));
    app = await restart(app);
    const history = app.composition.deps.stats.history();
    expect(history).toHaveLength(60);
    const thirtyAgo = new Date(Math.floor((now - 30 * MINUTE) / MINUTE) * MINUTE).toISOString();
    expect(history.find((point) => point.minute === thirtyAgo)).toEqual({
      minute: thirtyAgo,
      success: 1,
      error: 1,
    });
    expect(history.reduce((sum, point) => sum + point.success + point.error, 0)).toBe(2);
  });

  it("average response time after a restart: recent durations, else endpoint latency, else null", async () => {
    let app = await start();
    await insertEndpoint(app, "e1");
    expect(app.composition.deps.stats.averageResponseTimeMs()).toBeNull();
    app = await restart(app);
    expect(app.composition.deps.stats.averageResponseTimeMs()).toBeNull();

    // An offline endpoint keeps the latency of its last successful probe.
    await insertEndpoint(app, "e2", 42.5);
    app = await restart(app);
    expect(app.composition.deps.stats.averageResponseTimeMs()).toBe(42.5);

    app.composition.deps.completions.record(completion({ duration_ms: 1000 }));
    app.composition.deps.completions.record(completion({ duration_ms: 3000 }));
    expect(app.composition.deps.stats.averageResponseTimeMs()).toBe(2000);
    app = await restart(app);
    expect(app.composition.deps.stats.averageResponseTimeMs()).toBe(2000);
  });
});
