// Several instances on one database: two `node dist/server.js` processes share a database file (or a sqld
// libSQL server over HTTP). 500 requests split between them add up exactly in the database, in each
// instance's fleet view and daily stats; each instance's own figures stay its own; on the next boot the two
// instances' TPS checkpoints are merged weighted by request count.
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import {
  eventually,
  getJson,
  type LlmlbProcess,
  migrateOutOfBand,
  type Sqld,
  startLlmlb,
  startSqld,
  waitForModel,
} from "../fixtures/llmlb-process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

const MODEL = "shared-model";
const REQUESTS = 500;
const CONCURRENCY = 10;

interface Fleet {
  fleet: {
    source: string;
    available: boolean;
    totals: { total_requests: number };
    today: { total_requests: number };
  };
  instance: {
    source: string;
    instance_id: string;
    served_since_start: { total_requests: number };
    totals: { total_requests: number };
  };
}

interface ModelTps {
  model_id: string;
  tps: number | null;
  request_count: number;
}

async function chat(instance: LlmlbProcess, key: string, i: number): Promise<number> {
  const response = await fetch(`${instance.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: `request ${i}` }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Sends `total` requests, alternating between the instances, `CONCURRENCY` at a time, all with a key created
 * through the first instance (keys live in the shared database); returns the statuses.
 */
async function split(instances: LlmlbProcess[], total: number): Promise<number[]> {
  const key = await (instances[0] as LlmlbProcess).inferenceKey();
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const which = i % instances.length;
      statuses.push(await chat(instances[which] as LlmlbProcess, key, i));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return statuses;
}

/** Child processes start slower on a busy 2-core machine (the suite runs files in parallel), ms. */
const TEST_TIMEOUT_MS = 90_000;

describe.each(["file", "sqld"] as const)("two Node instances on one database (%s)", (kind) => {
  const instances: LlmlbProcess[] = [];
  let upstream: InferenceServer | undefined;
  let sqld: Sqld | undefined;
  let dir: TempDir | undefined;

  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.stop("SIGKILL");
    await sqld?.stop();
    sqld = undefined;
    await upstream?.stop();
    dir?.remove();
  });

  it(
    "500 requests split between them read back as exactly 500; TPS checkpoints merge by request count",
    async () => {
      dir = tempDir();
      upstream = await startInferenceServer("openai", {
        models: [MODEL],
        scripts: { [MODEL]: { tokensPerSec: 20_000, outputTokens: 4 } },
      });
      let databaseUrl = `file:${join(dir.path, "shared.db")}`;
      if (kind === "sqld") {
        sqld = await startSqld(dir.path);
        await migrateOutOfBand(sqld.url);
        databaseUrl = sqld.url;
      }
      const start = async (name: string) => {
        const instance = await startLlmlb("node", {
          LLMLB_DATABASE_URL: databaseUrl,
          LLMLB_DATA_DIR: join((dir as TempDir).path, name),
          LLMLB_SECRET_KEY: "multi-instance-test-secret-key-0123456789",
          LLMLB_ENDPOINTS: `shared=${(upstream as InferenceServer).url}`,
        });
        instances.push(instance);
        await waitForModel(instance, MODEL);
        return instance;
      };
      // One after the other: the second finds the endpoint the first declared (same base URL, same row).
      const a = await start("a");
      const b = await start("b");

      const statuses = await split([a, b], REQUESTS);
      expect(statuses.filter((status) => status === 200)).toHaveLength(REQUESTS);

      for (const instance of [a, b]) {
        const admin = await instance.adminHeaders();
        const view = await eventually(async () => {
          const fleet = await getJson<Fleet>(`${instance.url}/api/dashboard/fleet`, admin);
          return fleet.fleet.totals.total_requests === REQUESTS ? fleet : undefined;
        }, "fleet totals of 500 in the database");
        expect(view.fleet).toMatchObject({
          source: "database",
          available: true,
          today: { total_requests: 500 },
        });
        expect(view.instance).toMatchObject({
          source: "memory",
          served_since_start: { total_requests: REQUESTS / 2 },
        });
        const [endpoint] = (
          await getJson<{ endpoints: { id: string }[] }>(`${instance.url}/api/endpoints`, admin)
        ).endpoints;
        const daily = await getJson<{ total_requests: number; successful_requests: number }[]>(
          `${instance.url}/api/endpoints/${endpoint?.id}/daily-stats?days=1`,
          admin,
        );
        expect(daily).toHaveLength(1);
        expect(daily[0]).toMatchObject({ total_requests: REQUESTS, successful_requests: REQUESTS });
      }

      const database = createClient({ url: databaseUrl });
      try {
        const count = async (sql: string) => Number((await database.execute(sql)).rows[0]?.[0]);
        expect(await count("SELECT sum(total_requests) FROM endpoints")).toBe(REQUESTS);
        expect(await count("SELECT sum(successful_requests) FROM endpoints")).toBe(REQUESTS);
        expect(await count("SELECT sum(total_requests) FROM endpoint_daily_stats")).toBe(REQUESTS);
        expect(await count("SELECT count(*) FROM request_history")).toBe(REQUESTS);

        // SIGTERM: each instance flushes and writes its own TPS checkpoint row.
        for (const instance of instances.splice(0)) expect(await instance.stop("SIGTERM")).toBe(0);
        const rows = (
          await database.execute("SELECT instance_id, tps_ema, request_count FROM model_tps_state")
        ).rows.map((row) => ({ tps: Number(row.tps_ema), count: Number(row.request_count) }));
        expect(rows.map((row) => row.count)).toEqual([REQUESTS / 2, REQUESTS / 2]);
        const weighted = rows.reduce((sum, row) => sum + row.tps * row.count, 0) / REQUESTS;

        const c = await start("c");
        const [endpoint] = (
          await getJson<{ endpoints: { id: string }[] }>(`${c.url}/api/endpoints`, await c.adminHeaders())
        ).endpoints;
        const restored = await getJson<ModelTps[]>(
          `${c.url}/api/endpoints/${endpoint?.id}/model-tps`,
          await c.adminHeaders(),
        );
        expect(restored).toHaveLength(1);
        expect(restored[0]?.request_count).toBe(REQUESTS);
        // The API rounds to one decimal.
        expect(Math.abs((restored[0]?.tps ?? 0) - weighted)).toBeLessThanOrEqual(0.05 + 1e-9);
      } finally {
        database.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe("two Node instances booting together on one new database file", () => {
  const instances: LlmlbProcess[] = [];
  let dir: TempDir | undefined;

  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.stop("SIGKILL");
    dir?.remove();
  });

  it(
    "both apply the migrations and restore their statistics (neither starts without persistence)",
    async () => {
      dir = tempDir();
      const path = dir.path;
      const databaseUrl = `file:${join(path, "shared.db")}`;
      const boot = (name: string) =>
        startLlmlb("node", {
          LLMLB_DATABASE_URL: databaseUrl,
          LLMLB_DATA_DIR: join(path, name),
          LLMLB_SECRET_KEY: "multi-instance-test-secret-key-0123456789",
        });
      const booted = await Promise.allSettled([boot("a"), boot("b")]);
      for (const result of booted) if (result.status === "fulfilled") instances.push(result.value);
      expect(instances).toHaveLength(2);
      for (const instance of instances) {
        await eventually(async () => {
          const ready = await fetch(`${instance.url}/ready`);
          return ready.status === 200 ? true : undefined;
        }, "/ready");
        const output = instance.process.output();
        expect(output).toContain("statistics restored");
        expect(output).not.toContain("database unavailable");
        expect(output).not.toContain("could not restore");
      }
    },
    TEST_TIMEOUT_MS,
  );
});
