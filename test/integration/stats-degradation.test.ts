// A database that is corrupt, unwritable or shared by two instances: the balancer starts, metrics begin
// empty, writes wait and are retried, and concurrent instances add up instead of overwriting each other.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { sql } from "drizzle-orm";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { completion, runJob } from "../fixtures/completions.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { ROOT, runProcess } from "../fixtures/process.js";
import { createTempDatabase, type TempDatabase, type TempDir, tempDir } from "../fixtures/temp-db.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("statistics when the database misbehaves", () => {
  let app: TestApp | undefined;
  let dir: TempDir | undefined;
  let database: TempDatabase | undefined;
  let fake: InferenceServer | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await fake?.stop();
    fake = undefined;
    dir?.remove();
    dir = undefined;
    database?.cleanup();
    database = undefined;
  });

  it("a corrupt database file: starts, /ready reports it, metrics start empty and still count live", async () => {
    dir = tempDir();
    const file = join(dir.path, "llmlb.db");
    writeFileSync(file, Buffer.alloc(16_384, 0x5a));
    app = await startTestApp({ env: { LLMLB_DATABASE_URL: `file:${file}` } });
    const ready = await fetch(`${app.url}/ready`);
    expect(ready.status).toBe(503);
    const stats = app.composition.deps.stats;
    expect(stats.totals().totalRequests).toBe(0);
    expect(stats.history().every((point) => point.success === 0 && point.error === 0)).toBe(true);
    expect(stats.averageResponseTimeMs()).toBeNull();

    app.composition.deps.completions.record(completion());
    expect(stats.countersOf("e1").totalRequests).toBe(1);
    expect(stats.history().at(-1)?.success).toBe(1);
    expect(app.composition.deps.tracker.entries("e1")[0]?.tps).toBe(50);
    expect(
      app.logs.some((line) => line.level === "warn" && String(line.msg).includes("database unavailable")),
    ).toBe(true);
  });

  for (const [broken, databaseFile] of [
    [
      "a corrupt database file",
      (path: string) => {
        const file = join(path, "llmlb.db");
        writeFileSync(file, Buffer.alloc(16_384, 0x5a));
        return file;
      },
    ],
    [
      "an unwritable database",
      (path: string) => {
        writeFileSync(join(path, "blocked"), "a file where the data directory should be");
        return join(path, "blocked", "llmlb.db");
      },
    ],
  ] as const) {
    it(`${broken}: a declared endpoint is probed and proxied to, /ready reports it, metrics start empty`, async () => {
      dir = tempDir();
      fake = await startInferenceServer("vllm", { models: ["m"] });
      app = await startTestApp({
        env: {
          LLMLB_DATABASE_URL: `file:${databaseFile(dir.path)}`,
          LLMLB_ENDPOINTS: `gpu1=${fake.url}`,
          LLMLB_AUTH_DISABLED: "1",
        },
      });
      const ready = await fetch(`${app.url}/ready`);
      expect(ready.status).toBe(503);
      expect(app.composition.deps.stats.totals().totalRequests).toBe(0);
      await runJob(app, "healthSweep");
      const [endpoint] = app.composition.deps.directory.list();
      expect(endpoint).toMatchObject({ name: "gpu1", status: "online" });

      const client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const messages = [{ role: "user" as const, content: "hi" }];
      const answer = await client.chat.completions.create({ model: "m", messages, max_tokens: 3 });
      expect(answer.choices[0]?.message.content).toBe("w0 w1 w2 ");
      let streamed = "";
      for await (const chunk of await client.chat.completions.create({
        model: "m",
        messages,
        stream: true,
      })) {
        streamed += chunk.choices[0]?.delta?.content ?? "";
      }
      expect(streamed).toBe("w0 w1 w2 w3 w4 w5 w6 w7 ");
      expect((await client.models.list()).data.map((model) => model.id)).toEqual(["m"]);
      const stats = app.composition.deps.stats;
      expect(stats.countersOf(endpoint?.id ?? "").successfulRequests).toBe(2);
      expect(app.composition.deps.tracker.entries(endpoint?.id)[0]?.requestCount).toBe(2);
      expect(
        app.logs.some(
          (line) => line.level === "warn" && String(line.msg).includes("serving a declared endpoint"),
        ),
      ).toBe(true);
    });
  }

  it("an unwritable database: records wait in memory and are written once the database is back", async () => {
    dir = tempDir();
    const blocked = join(dir.path, "blocked");
    writeFileSync(blocked, "a file where the data directory should be");
    app = await startTestApp({ env: { LLMLB_DATABASE_URL: `file:${join(blocked, "llmlb.db")}` } });
    expect((await fetch(`${app.url}/ready`)).status).toBe(503);
    for (let i = 0; i < 3; i++) app.composition.deps.completions.record(completion({ endpoint_id: "e1" }));
    await runJob(app, "statsFlush");
    await runJob(app, "databaseMigrationRetry");
    expect((await fetch(`${app.url}/ready`)).status).toBe(503);

    rmSync(blocked);
    mkdirSync(blocked);
    await runJob(app, "databaseMigrationRetry");
    expect((await fetch(`${app.url}/ready`)).status).toBe(200);
    await runJob(app, "statsFlush");
    const db = app.composition.deps.database.db;
    expect(await db.all(sql`SELECT count(*) AS n FROM request_history`)).toEqual([{ n: 3 }]);
    expect(await db.all(sql`SELECT total_requests FROM endpoint_daily_stats`)).toEqual([
      { total_requests: 3 },
    ]);
    // Restored after migration, before the flush: the timeline counts each request once.
    expect(app.composition.deps.stats.history().at(-1)?.success).toBe(3);
  });

  it("a database another process holds locked: the flush fails, and after the lock every record is written", async () => {
    app = await startTestApp();
    const other = createClient({ url: app.composition.deps.config.databaseUrl });
    try {
      // Another writer (a second instance, an sqlite3 shell, a backup) holds the write lock.
      const lock = await other.transaction("write");
      await lock.execute("UPDATE endpoints SET notes = notes");
      for (let i = 0; i < 3; i++) app.composition.deps.completions.record(completion({ endpoint_id: "e1" }));
      await runJob(app, "statsFlush");
      expect(
        app.logs.some(
          (line) => line.level === "warn" && String(line.msg).includes("cannot write statistics"),
        ),
      ).toBe(true);
      await lock.rollback();

      await runJob(app, "statsFlush");
      const db = app.composition.deps.database.db;
      expect(await db.all(sql`SELECT count(*) AS n FROM request_history`)).toEqual([{ n: 3 }]);
      expect(await db.all(sql`SELECT total_requests FROM endpoint_daily_stats`)).toEqual([
        { total_requests: 3 },
      ]);
    } finally {
      other.close();
    }
  });

  it("the retention job with nothing expired succeeds while another process holds the write lock", async () => {
    app = await startTestApp({ env: { LLMLB_REQUEST_HISTORY_RETENTION_DAYS: "7" } });
    for (let i = 0; i < 3; i++) app.composition.deps.completions.record(completion());
    await runJob(app, "statsFlush");
    const db = app.composition.deps.database.db;
    const other = createClient({ url: app.composition.deps.config.databaseUrl });
    try {
      // The recorder thread of a loaded server holds the lock back to back; here another connection holds it.
      const lock = await other.transaction("write");
      await lock.execute("UPDATE endpoints SET notes = notes");
      // Nothing is 7 days old: the job only reads (it used to DELETE, meet the lock on every retry and fail).
      await runJob(app, "requestHistoryRetention");
      await lock.rollback();
      // Rows that did expire are still deleted once the lock is free.
      await db.run(sql`UPDATE request_history SET created_at = created_at - ${8 * 86_400_000}
        WHERE id = (SELECT min(id) FROM request_history)`);
      await runJob(app, "requestHistoryRetention");
      expect(await db.all(sql`SELECT count(*) AS n FROM request_history`)).toEqual([{ n: 2 }]);
    } finally {
      other.close();
    }
  });

  it("an admin write while another process holds the file's lock waits for it and succeeds (was a 500)", async () => {
    app = await startTestApp();
    const headers = { ...(await app.adminHeaders()), "content-type": "application/json" };
    const other = createClient({ url: app.composition.deps.config.databaseUrl });
    try {
      const lock = await other.transaction("write");
      await lock.execute("UPDATE endpoints SET notes = notes");
      let settled = false;
      const created = fetch(`${app.url}/api/endpoints`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "gpu-late", base_url: "http://127.0.0.1:9", endpoint_type: "vllm" }),
      }).finally(() => {
        settled = true;
      });
      // Still waiting after 150 ms (it used to fail with a 500 after SQLite's 50 ms busy timeout).
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(settled).toBe(false);
      await lock.rollback();
      const response = await created;
      expect(response.status).toBe(201);
      const listed = (await (await fetch(`${app.url}/api/endpoints`, { headers })).json()) as {
        endpoints: { name: string }[];
      };
      expect(listed.endpoints.map((endpoint) => endpoint.name)).toContain("gpu-late");
    } finally {
      other.close();
    }
  });

  it("two instances writing the same database file concurrently: daily totals are the sum of both", async () => {
    database = await createTempDatabase();
    await database.handle.db.run(sql`INSERT INTO endpoints (id, name, base_url, registered_at, updated_at)
      VALUES ('e1', 'gpu1', 'http://127.0.0.1:1', 1, 1)`);
    const perInstance = 400;
    const run = () =>
      runProcess(
        process.execPath,
        [
          "--import",
          "tsx",
          join(ROOT, "test/fixtures/record-load.ts"),
          database?.url ?? "",
          String(perInstance),
        ],
        {},
      );
    const instances = [run(), run()];
    const codes = await Promise.all(instances.map((instance) => instance.exited));
    for (const instance of instances) expect(instance.output()).toContain('"recorded":400');
    expect(codes).toEqual([0, 0]);

    const db = database.handle.db;
    expect(
      await db.all(
        sql`SELECT sum(total_requests) AS n, sum(total_output_tokens) AS tokens FROM endpoint_daily_stats`,
      ),
    ).toEqual([{ n: 2 * perInstance, tokens: 2 * perInstance * 10 }]);
    expect(await db.all(sql`SELECT total_requests FROM endpoints WHERE id = 'e1'`)).toEqual([
      { total_requests: 2 * perInstance },
    ]);
    expect(await db.all(sql`SELECT count(*) AS n FROM request_history`)).toEqual([{ n: 2 * perInstance }]);
  });
});
