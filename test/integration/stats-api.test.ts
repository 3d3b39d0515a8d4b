// The per-endpoint statistics API (daily, per-model, today) and the request-history retention job.
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { middayClock } from "../fixtures/admin-api.js";
import { completion, getJson, insertEndpoint, runJob } from "../fixtures/completions.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

const DAY = 86_400_000;
const dateOf = (at: number) => new Date(at).toISOString().slice(0, 10);

describe("endpoint statistics API", () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("daily stats per UTC day with daily TPS, per model, and today; flushed and unflushed alike", async () => {
    const clock = middayClock();
    app = await startTestApp({ clock });
    await insertEndpoint(app, "e1");
    const now = clock.now();
    const record = app.composition.deps.completions.record;
    record(completion({ finished_at: now - 3 * DAY, output_tokens: 300, duration_ms: 3000 }));
    record(completion({ finished_at: now - DAY, output_tokens: 100, duration_ms: 2000 }));
    record(completion({ finished_at: now - DAY, status: "error", output_tokens: 0, duration_ms: 50 }));
    await runJob(app, "statsFlush");
    record(completion({ finished_at: now, output_tokens: 60, duration_ms: 1000 }));
    record(completion({ finished_at: now, api_kind: "embeddings", endpoint_model: "bge", output_tokens: 0 }));

    const week = await getJson<Record<string, unknown>[]>(app, "/api/endpoints/e1/daily-stats");
    expect(
      week.body.map((day) => [
        day.date,
        day.total_requests,
        day.successful_requests,
        day.failed_requests,
        day.tps,
      ]),
    ).toEqual([
      [dateOf(now - 3 * DAY), 1, 1, 0, 100],
      [dateOf(now - DAY), 2, 1, 1, 50],
      [dateOf(now), 2, 2, 0, 60],
    ]);
    const twoDays = await getJson<{ date: string }[]>(app, "/api/endpoints/e1/daily-stats?days=2");
    expect(twoDays.body.map((day) => day.date)).toEqual([dateOf(now - DAY), dateOf(now)]);

    const models = await getJson<Record<string, unknown>[]>(app, "/api/endpoints/e1/model-stats");
    expect(models.body).toEqual([
      expect.objectContaining({ model_id: "bge", api_kind: "embeddings", total_requests: 1, tps: null }),
      expect.objectContaining({
        model_id: "llama3:8b",
        api_kind: "chat_completions",
        total_requests: 4,
        failed_requests: 1,
        total_output_tokens: 460,
        total_duration_ms: 6000,
        tps: 76.7,
      }),
    ]);
    const today = await getJson(app, "/api/endpoints/e1/today-stats");
    expect(today.body).toMatchObject({
      date: dateOf(now),
      total_requests: 2,
      total_output_tokens: 60,
      tps: 60,
    });
  });

  it("names `days` in a 400 when it is not 1–365, and 404s an unknown endpoint", async () => {
    app = await startTestApp();
    await insertEndpoint(app, "e1");
    for (const days of ["0", "366", "abc", "1.5"]) {
      const response = await getJson<{ error: { param: string; code: string } }>(
        app,
        `/api/endpoints/e1/daily-stats?days=${days}`,
      );
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ param: "days", code: "invalid_request" });
    }
    expect((await getJson(app, "/api/endpoints/e1/daily-stats?days=365")).status).toBe(200);
    expect((await getJson(app, "/api/endpoints/e1/model-tps")).body).toEqual([]);
    expect((await getJson(app, "/api/endpoints/e1/today-stats")).body).toMatchObject({
      total_requests: 0,
      tps: null,
    });
    for (const path of ["model-tps", "daily-stats", "model-stats", "today-stats"]) {
      const response = await getJson<{ error: { code: string } }>(app, `/api/endpoints/missing/${path}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("endpoint_not_found");
    }
  });

  it("retention deletes expired history in bounded batches and keeps recent rows", async () => {
    app = await startTestApp({ env: { LLMLB_REQUEST_HISTORY_RETENTION_DAYS: "7" } });
    const db = app.composition.deps.database.db;
    const old = Date.now() - 8 * DAY;
    // 6 200 expired rows and 3 recent ones, inserted directly (faster than recording them).
    await db.run(sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6200)
      INSERT INTO request_history (request_id, created_at, model, api_kind, status, status_code, duration_ms)
      SELECT 'old-' || i, ${old} + i, 'm', 'chat_completions', 'success', 200, 10 FROM n`);
    for (let i = 0; i < 3; i++) app.composition.deps.completions.record(completion());
    await runJob(app, "statsFlush");
    const count = async () =>
      (await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM request_history`))[0]?.n;

    await runJob(app, "requestHistoryRetention");
    expect(await count()).toBe(1203); // one run deletes at most 5 × 1000 rows
    await runJob(app, "requestHistoryRetention");
    expect(await count()).toBe(3);
    await runJob(app, "requestHistoryRetention");
    expect(await count()).toBe(3);
  });
});
