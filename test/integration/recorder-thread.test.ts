import { existsSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  createThreadedBatchStore,
  THREAD_ROWS_PER_BATCH,
  threadableDatabase,
} from "../../src/db/batch-thread.js";
import { createLogger } from "../../src/logger.js";
import type { BatchStore } from "../../src/stats/batch-store.js";
import { createPendingWrites } from "../../src/stats/pending-writes.js";
import { completion } from "../fixtures/completions.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { freePort, ROOT, type RunningProcess, runProcess, waitForOk } from "../fixtures/process.js";
import { createTempDatabase, type TempDatabase } from "../fixtures/temp-db.js";

// The shipped thread entry (npm test builds dist/ first): what node dist/server.js starts.
const ENTRY = new URL("../../dist/recorder-thread.js", import.meta.url);
const SERVER = join(ROOT, "dist", "server.js");
const logger = createLogger({ level: "error", now: Date.now, write: () => {} });

async function count(url: string, sql: string): Promise<number> {
  const client = createClient({ url });
  try {
    return Number((await client.execute(sql)).rows[0]?.[0]);
  } finally {
    client.close();
  }
}

describe("recorder thread (Node, local database file)", () => {
  let database: TempDatabase | undefined;
  let store: BatchStore | undefined;
  let running: RunningProcess | undefined;
  let upstream: InferenceServer | undefined;
  afterEach(async () => {
    await store?.close();
    await running?.stop("SIGKILL");
    await upstream?.stop();
    database?.cleanup();
    store = running = upstream = database = undefined;
  });

  it("is used for local files only", () => {
    expect(threadableDatabase("file:/data/llmlb.db")).toBe(true);
    expect(threadableDatabase("file::memory:")).toBe(false);
    expect(threadableDatabase("file:x.db?mode=memory")).toBe(false);
    expect(threadableDatabase("libsql://db.example.org")).toBe(false);
  });

  it("writes a batch in its own connection, returns the committed counters, reports a failed write", async () => {
    if (!existsSync(ENTRY)) throw new Error("dist/recorder-thread.js is missing: run `npm run build` first");
    database = await createTempDatabase();
    await database.handle.client.execute(
      "INSERT INTO endpoints (id, name, base_url, registered_at, updated_at) VALUES ('e1', 'gpu1', 'http://h', 0, 0)",
    );
    store = createThreadedBatchStore({
      entry: ENTRY,
      data: { url: database.url, timeoutMs: 1000 },
      logger,
      rowsPerBatch: THREAD_ROWS_PER_BATCH,
    });
    const pending = createPendingWrites(10_000);
    for (let i = 0; i < 3; i++) pending.add(completion());
    const counters = await store.write(pending.take(100) ?? expect.fail("nothing pending"));
    pending.settle();
    expect(counters.get("e1")).toMatchObject({
      totalRequests: 3,
      successfulRequests: 3,
      totalOutputTokens: 300,
    });
    expect(await count(database.url, "SELECT count(*) FROM request_history")).toBe(3);

    // A backlog larger than one batch: the thread takes THREAD_ROWS_PER_BATCH rows in one transaction,
    // every one of them in order (they travel as several JSON texts).
    for (let i = 0; i < THREAD_ROWS_PER_BATCH + 10; i++) pending.add(completion({ request_id: `big-${i}` }));
    const large = pending.take(store.rowsPerBatch) ?? expect.fail("nothing pending");
    expect(large.history).toHaveLength(THREAD_ROWS_PER_BATCH);
    expect((await store.write(large)).get("e1")?.totalRequests).toBe(3 + THREAD_ROWS_PER_BATCH + 10);
    pending.settle();
    const client = createClient({ url: database.url });
    const written = await client.execute(
      "SELECT request_id FROM request_history WHERE request_id LIKE 'big-%' ORDER BY id",
    );
    client.close();
    expect(written.rows.map((row) => row[0])).toEqual(
      Array.from({ length: THREAD_ROWS_PER_BATCH }, (_, i) => `big-${i}`),
    );
    await store.write(pending.take(store.rowsPerBatch) ?? expect.fail("nothing pending"));
    pending.settle();

    await database.handle.client.execute(
      "CREATE TRIGGER refuse BEFORE INSERT ON request_history BEGIN SELECT RAISE(ABORT, 'refused here'); END",
    );
    pending.add(completion());
    await expect(store.write(pending.take(100) ?? expect.fail("nothing pending"))).rejects.toThrow(
      /refused here/,
    );
    // Nothing of the failed batch was committed (one transaction).
    expect(await count(database.url, "SELECT total_requests FROM endpoints WHERE id = 'e1'")).toBe(
      3 + THREAD_ROWS_PER_BATCH + 10,
    );

    await store.close();
    await expect(
      store.write({
        counters: new Map(),
        daily: new Map(),
        usage: { tokens: new Map(), clients: new Map() },
        history: [],
      }),
    ).rejects.toThrow(/closed/);
  });

  /** node dist/server.js on the test's database, proxying to the fake upstream; resolves once ready. */
  async function startServer(): Promise<{ port: number; server: RunningProcess }> {
    if (!existsSync(SERVER)) throw new Error("dist/server.js is missing: run `npm run build` first");
    if (!database || !upstream) throw new Error("database and upstream first");
    const port = await freePort();
    const server = runProcess(process.execPath, [SERVER], {
      LLMLB_HOST: "127.0.0.1",
      LLMLB_PORT: String(port),
      LLMLB_DATA_DIR: database.dir.path,
      LLMLB_DATABASE_URL: database.url,
      LLMLB_AUTH_DISABLED: "1",
      LLMLB_ENDPOINTS: `gpu=${upstream.url}`,
    });
    running = server;
    await waitForOk(`http://127.0.0.1:${port}/ready`, server);
    return { port, server };
  }

  it("node dist/server.js records every proxied request in the file through the thread, flushed at SIGTERM", async () => {
    database = await createTempDatabase();
    upstream = await startInferenceServer("vllm", { models: ["m"] });
    const { port, server } = await startServer();
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "unused", maxRetries: 0 });
    for (let attempt = 0; attempt < 100; attempt++) {
      const models = await client.models.list();
      if (models.data.some((model) => model.id === "m")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (let i = 0; i < 5; i++) {
      await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: `hi ${i}` }] });
    }
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(await count(database.url, "SELECT count(*) FROM request_history WHERE status = 'success'")).toBe(
      5,
    );
    expect(await count(database.url, "SELECT sum(total_requests) FROM endpoints")).toBe(5);
  });

  it("a restart runs the server from the code cache, and it still starts its thread and its tokenizer on demand", async () => {
    database = await createTempDatabase();
    // No usage in the answers: llmlb estimates the tokens, loading gpt-tokenizer on the first estimate.
    upstream = await startInferenceServer("vllm", { models: ["m"], scripts: { default: { usage: "none" } } });
    // The first start writes the cache when it found none valid (another test's start may have written it).
    const first = await startServer();
    // The log line is written before /ready answers, but its pipe may be read after the answer.
    await expect.poll(() => first.server.output()).toMatch(/"code_cache":"(used|missing|stale|rejected)"/);
    expect(await first.server.stop("SIGTERM")).toBe(0);

    const { port, server } = await startServer();
    await expect.poll(() => server.output()).toContain('"code_cache":"used"');
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "unused", maxRetries: 0 });
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await client.models.list()).data.some((model) => model.id === "m")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (let i = 0; i < 3; i++) {
      await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: `hi ${i}` }] });
    }
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.output()).not.toContain("token counter unavailable");
    expect(server.output()).not.toContain("recorder thread failed");
    expect(await count(database.url, "SELECT count(*) FROM request_history WHERE tokens_estimated = 1")).toBe(
      3,
    );
  });
});
