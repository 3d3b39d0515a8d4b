import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { endpoints } from "../../src/db/schema.js";
import { toAppError } from "../../src/errors.js";
import {
  createTempDatabase,
  openTestDatabase,
  type TempDatabase,
  type TempDir,
  tempDir,
} from "../fixtures/temp-db.js";

const EXPECTED_TABLES = [
  "api_key_usage",
  "api_keys",
  "audit_log",
  "benchmark_runs",
  "client_hourly_stats",
  "endpoint_daily_stats",
  "endpoint_models",
  "endpoints",
  "invitations",
  "model_tps_state",
  "request_history",
  "sessions",
  "token_daily_stats",
  "users",
];

describe("database migrations", () => {
  let dir: TempDir;
  afterEach(() => dir?.remove());

  it("creates every table on an empty file and re-runs as a no-op on an existing one, keeping data", async () => {
    dir = tempDir();
    const url = `file:${join(dir.path, "llmlb.db")}`;
    const first = openTestDatabase(url);
    expect(await first.migrate()).toBe(true);
    const tables = await first.db.all<{ name: string }>(
      sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`,
    );
    const appTables = tables.map((row) => row.name).filter((name) => !/^(__drizzle|sqlite_)/.test(name));
    expect(appTables).toEqual(EXPECTED_TABLES);
    await first.db.insert(endpoints).values({
      id: "e1",
      name: "gpu1",
      baseUrl: "http://127.0.0.1:1",
      registeredAt: 1,
      updatedAt: 1,
    });
    first.close();

    const second = openTestDatabase(url);
    expect(await second.migrate()).toBe(true);
    expect(await second.readiness()).toEqual({ ready: true });
    const rows = await second.db.select().from(endpoints);
    expect(rows.map((row) => row.name)).toEqual(["gpu1"]);
    second.close();
  });

  it("reports a corrupt file as not ready instead of throwing", async () => {
    dir = tempDir();
    const file = join(dir.path, "llmlb.db");
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const handle = openTestDatabase(`file:${file}`);
    expect(await handle.migrate()).toBe(false);
    const readiness = await handle.readiness();
    expect(readiness.ready).toBe(false);
    if (!readiness.ready) expect(readiness.reason).toMatch(/not migrated|unreachable/);
    handle.close();
  });

  it("reports a database that cannot be opened as unreachable, and recovers once it can", async () => {
    dir = tempDir();
    const url = `file:${join(dir.path, "missing-dir", "llmlb.db")}`;
    const handle = openTestDatabase(url);
    const readiness = await handle.readiness();
    expect(readiness).toMatchObject({ ready: false });
    if (!readiness.ready) expect(readiness.reason).toContain("database unreachable");
    expect(await handle.migrate()).toBe(false);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir.path, "missing-dir"));
    expect(await handle.migrate()).toBe(true);
    expect(await handle.readiness()).toEqual({ ready: true });
    handle.close();
  });
});

describe("a database file another connection holds locked", () => {
  let database: TempDatabase | undefined;
  afterEach(() => database?.cleanup());

  /** The app's handle on the file (with pauses, as compose.ts opens it) and a second writer holding its lock. */
  async function lockedFile() {
    database = await createTempDatabase();
    const handle = openDatabase({
      url: database.url,
      createClient,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    const other = createClient({ url: database.url });
    const lock = await other.transaction("write");
    await lock.execute("UPDATE endpoints SET notes = notes");
    const insert = () =>
      handle.db.insert(endpoints).values({
        id: "e1",
        name: "gpu1",
        baseUrl: "http://127.0.0.1:1",
        registeredAt: 1,
        updatedAt: 1,
      });
    return { handle, other, lock, insert };
  }

  it("a write waits for the lock (past SQLite's old 50 ms failure) and lands once the lock is released", async () => {
    const { handle, other, lock, insert } = await lockedFile();
    let settled = false;
    const writing = insert().finally(() => {
      settled = true;
    });
    // Still waiting after 150 ms: it neither failed nor went through while the lock was held.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(settled).toBe(false);
    await lock.rollback();
    await writing;
    expect(await handle.db.all(sql`SELECT name FROM endpoints`)).toEqual([{ name: "gpu1" }]);
    other.close();
    handle.close();
  });

  it("a lock held through every retry fails the write as database_busy (503, retry after 1 s), not a crash", async () => {
    const { handle, other, lock, insert } = await lockedFile();
    const failure = await insert().then(
      () => null,
      (error: unknown) => error,
    );
    await lock.rollback();
    // drizzle wraps it ("Failed query: …"); the route's error handler answers the AppError inside.
    expect(toAppError(failure)).toMatchObject({ code: "database_busy", status: 503, retryAfterSecs: 1 });
    expect(await handle.db.all(sql`SELECT count(*) AS n FROM endpoints`)).toEqual([{ n: 0 }]);
    other.close();
    handle.close();
  });
});
