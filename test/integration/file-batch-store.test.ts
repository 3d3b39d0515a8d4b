import { existsSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  createFileBatchStore,
  FILE_ROWS_PER_BATCH,
  filePathOf,
  localDatabaseFile,
} from "../../src/db/file-batch-store.js";
import { type BatchStore, inProcessBatchStore } from "../../src/stats/batch-store.js";
import { createPendingWrites } from "../../src/stats/pending-writes.js";
import { completion } from "../fixtures/completions.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { freePort, ROOT, type RunningProcess, runProcess, waitForOk } from "../fixtures/process.js";
import { createTempDatabase, type TempDatabase } from "../fixtures/temp-db.js";

const SERVER = join(ROOT, "dist", "server.js");

async function count(url: string, sql: string): Promise<number> {
  const client = createClient({ url });
  try {
    return Number((await client.execute(sql)).rows[0]?.[0]);
  } finally {
    client.close();
  }
}

/** Every row of a table (request_history without its id) as each column's type and bytes, in id / key order. */
async function exactRows(url: string, table: string): Promise<unknown[][]> {
  const client = createClient({ url });
  try {
    const columns = (await client.execute(`SELECT name FROM pragma_table_info('${table}')`)).rows
      .map((row) => String(row[0]))
      .filter((name) => !(table === "request_history" && name === "id"));
    const exact = columns.map((name) => `typeof("${name}") || ':' || hex("${name}")`).join(", ");
    const { rows } = await client.execute(`SELECT ${exact} FROM "${table}" ORDER BY rowid`);
    return rows.map((row) => Array.from(row as ArrayLike<unknown>));
  } finally {
    client.close();
  }
}

describe("the recorder's file store (Node and Bun, local database file)", () => {
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

  it("is used for local files only, and opens the file @libsql/client opens for each form of file: URL", () => {
    expect(localDatabaseFile("file:/data/llmlb.db")).toBe(true);
    expect(localDatabaseFile("file::memory:")).toBe(false);
    expect(localDatabaseFile("file:x.db?mode=memory")).toBe(false);
    expect(localDatabaseFile("libsql://db.example.org")).toBe(false);
    expect(filePathOf("file:llmlb.db")).toBe("llmlb.db");
    expect(filePathOf("file:/var/lib/llmlb/llmlb.db")).toBe("/var/lib/llmlb/llmlb.db");
    expect(filePathOf("file:///var/lib/llmlb/llmlb.db")).toBe("/var/lib/llmlb/llmlb.db");
    expect(filePathOf("file://localhost/var/lib/my%20data/llmlb.db?mode=rwc")).toBe(
      "/var/lib/my data/llmlb.db",
    );
  });

  it("writes a batch through its own connection, returns the committed counters, reports a failed write", async () => {
    database = await createTempDatabase();
    await database.handle.client.execute(
      "INSERT INTO endpoints (id, name, base_url, registered_at, updated_at) VALUES ('e1', 'gpu1', 'http://h', 0, 0)",
    );
    store = createFileBatchStore({
      url: database.url,
      busyTimeoutMs: 1000,
      rowsPerBatch: FILE_ROWS_PER_BATCH,
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

    // A backlog larger than one batch: the store takes FILE_ROWS_PER_BATCH rows in one transaction, every
    // one of them in order (they go to the driver as several scripts).
    for (let i = 0; i < FILE_ROWS_PER_BATCH + 10; i++) pending.add(completion({ request_id: `big-${i}` }));
    const large = pending.take(store.rowsPerBatch) ?? expect.fail("nothing pending");
    expect(large.history).toHaveLength(FILE_ROWS_PER_BATCH);
    expect((await store.write(large)).get("e1")?.totalRequests).toBe(3 + FILE_ROWS_PER_BATCH + 10);
    pending.settle();
    const client = createClient({ url: database.url });
    const written = await client.execute(
      "SELECT request_id FROM request_history WHERE request_id LIKE 'big-%' ORDER BY id",
    );
    client.close();
    expect(written.rows.map((row) => row[0])).toEqual(
      Array.from({ length: FILE_ROWS_PER_BATCH }, (_, i) => `big-${i}`),
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
      3 + FILE_ROWS_PER_BATCH + 10,
    );
    // The failed transaction was rolled back: the batch, retried, commits.
    pending.putBack();
    await database.handle.client.execute("DROP TRIGGER refuse");
    expect(
      (await store.write(pending.take(100) ?? expect.fail("nothing pending"))).get("e1")?.totalRequests,
    ).toBe(3 + FILE_ROWS_PER_BATCH + 11);
    pending.settle();

    // Batches handed over without waiting run one after another on the one connection (the second's BEGIN
    // would fail inside the first's transaction), and close() waits for them.
    const oneRequest = () => {
      const single = createPendingWrites(10);
      single.add(completion());
      return single.take(10) ?? expect.fail("nothing pending");
    };
    const both = [store.write(oneRequest()), store.write(oneRequest())];
    const closing = store.close();
    const [first, second] = await Promise.all(both);
    await closing;
    expect(first?.get("e1")?.totalRequests).toBe(3 + FILE_ROWS_PER_BATCH + 12);
    expect(second?.get("e1")?.totalRequests).toBe(3 + FILE_ROWS_PER_BATCH + 13);
    expect(await count(database.url, "SELECT count(*) FROM request_history")).toBe(
      3 + FILE_ROWS_PER_BATCH + 13,
    );

    await expect(
      store.write({
        counters: new Map(),
        daily: new Map(),
        usage: { tokens: new Map(), clients: new Map() },
        history: [],
      }),
    ).rejects.toThrow(/closed/);
  });

  it("reports a batch on a file without the schema as an error, and the next batch fails the same way", async () => {
    database = await createTempDatabase();
    const bare = join(database.dir.path, "empty.db");
    store = createFileBatchStore({ url: `file:${bare}`, busyTimeoutMs: 1000, rowsPerBatch: 10 });
    const pending = createPendingWrites(100);
    pending.add(completion());
    const batch = pending.take(10) ?? expect.fail("nothing pending");
    await expect(store.write(batch)).rejects.toThrow(/no such table: endpoints/);
    // Not "cannot start a transaction within a transaction": the first one was rolled back.
    await expect(store.write(batch)).rejects.toThrow(/no such table: endpoints/);
  });

  it("stores every value exactly as the in-process store, which binds them as parameters", async () => {
    database = await createTempDatabase();
    const other = await createTempDatabase();
    try {
      for (const target of [database, other]) {
        await target.handle.client.execute(
          "INSERT INTO endpoints (id, name, base_url, registered_at, updated_at) VALUES ('e1', 'gpu1', 'http://h', 0, 0)",
        );
      }
      const awkward = [
        "it's",
        'say "hi"',
        "back\\slash",
        "line\nbreak",
        "nul\u0000inside",
        "?",
        "",
        "日本語 🚀",
        "lone \ud800 surrogate",
      ];
      const pending = createPendingWrites(100);
      for (const [i, text] of awkward.entries()) {
        pending.add(
          completion({
            model: text,
            error: text,
            client_ip: text,
            api_key_id: text || null,
            duration_ms: 1000 + i,
          }),
        );
      }
      const batch = pending.take(100) ?? expect.fail("nothing pending");
      // Numbers the recorder never produces but a column could hold: a fraction, a negative, 2^53 − 1.
      batch.history.push([
        "numbers",
        1.5,
        "e1",
        "gpu1",
        "m",
        "chat_completions",
        0,
        "error",
        -1,
        null,
        2 ** 53 - 1,
        0.25,
        -7,
        3,
        1,
        null,
        null,
        "api",
        null,
        null,
        0,
        0,
        null,
      ]);
      await inProcessBatchStore(other.handle).write(batch);
      store = createFileBatchStore({ url: database.url, busyTimeoutMs: 1000, rowsPerBatch: 100 });
      await store.write(batch);
      for (const table of [
        "request_history",
        "endpoint_daily_stats",
        "token_daily_stats",
        "client_hourly_stats",
        "endpoints",
      ]) {
        const [mine, bound] = await Promise.all([
          exactRows(database.url, table),
          exactRows(other.url, table),
        ]);
        expect(mine.length, table).toBeGreaterThan(0);
        expect(mine, table).toEqual(bound);
      }
    } finally {
      other.cleanup();
    }
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

  it("node dist/server.js records every proxied request in the file through the store, flushed at SIGTERM", async () => {
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

  it("a restart runs the server from the code cache, and it still opens its store and its tokenizer on demand", async () => {
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
    expect(server.output()).not.toContain("cannot write statistics");
    expect(await count(database.url, "SELECT count(*) FROM request_history WHERE tokens_estimated = 1")).toBe(
      3,
    );
  });
});
