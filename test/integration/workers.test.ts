// The Worker under workerd (`wrangler dev`, no login, no network): routing and a chunk-by-chunk streamed
// chat completion against a fake upstream on 127.0.0.1, with a libSQL server (sqld) migrated out of band,
// and with the database unreachable (it still proxies). Plus `wrangler deploy --dry-run` builds the bundle.
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import { checkUploadAndSpeech, startFakeMedia } from "../fixtures/fake-media.js";
import {
  eventually,
  getJson,
  type LlmlbProcess,
  migrateOutOfBand,
  type Sqld,
  startLlmlb,
  startSqld,
} from "../fixtures/llmlb-process.js";
import {
  arrivedBeforeNextWasSent,
  PACED_MODEL,
  type PacedUpstream,
  readPacedStream,
  startPacedUpstream,
  watchEvents,
} from "../fixtures/paced-stream.js";
import { freePort, ROOT, runProcess } from "../fixtures/process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

const SECRET_KEY = "workers-test-secret-key-0123456789abcdef";

/** Runs the Cron Trigger's scheduled() (health sweep, model sync, flushes) until the model is routable. */
async function sweepUntilListed(
  worker: LlmlbProcess,
  headers: Record<string, string>,
  model = PACED_MODEL,
): Promise<void> {
  await eventually(async () => {
    const cron = await fetch(`${worker.url}/__scheduled`);
    if (!cron.ok) throw new Error(`scheduled → ${cron.status}`);
    const listing = await getJson<{ data: { id: string }[] }>(`${worker.url}/v1/models`, headers);
    return listing.data.some((item) => item.id === model) ? true : undefined;
  }, `${model} in the Worker's /v1/models`);
}

/** wrangler dev and workerd start slowly on a busy 2-core machine, ms. */
const WORKER_TEST_TIMEOUT_MS = 120_000;

describe("the Worker under wrangler dev", () => {
  let worker: LlmlbProcess | undefined;
  let sqld: Sqld | undefined;
  let upstream: PacedUpstream | undefined;
  let dir: TempDir | undefined;

  afterEach(async () => {
    await worker?.stop("SIGTERM");
    worker = undefined;
    await sqld?.stop();
    sqld = undefined;
    await upstream?.server.stop();
    dir?.remove();
  });

  it(
    "streams a multipart transcription upload byte for byte and a binary speech answer",
    async () => {
      dir = tempDir();
      sqld = await startSqld(dir.path);
      expect(await migrateOutOfBand(sqld.url)).toContain("migrations applied");
      const media = await startFakeMedia();
      try {
        worker = await startLlmlb("workerd", {
          LLMLB_DATABASE_URL: sqld.url,
          LLMLB_SECRET_KEY: SECRET_KEY,
          LLMLB_ENDPOINTS: `media=${media.url}`,
        });
        const headers = { authorization: `Bearer ${await worker.inferenceKey()}` };
        await sweepUntilListed(worker, headers, "whisper-1");
        const checked = await checkUploadAndSpeech(
          worker.url,
          await worker.inferenceKey(),
          media,
          2 * 1024 * 1024 + 5,
        );
        expect(checked).toEqual({
          transcript: `heard ${2 * 1024 * 1024 + 5} bytes with whisper-1`,
          fileIntact: true,
          speechType: "audio/mpeg",
          speechIntact: true,
        });
      } finally {
        await media.stop();
      }
    },
    WORKER_TEST_TIMEOUT_MS,
  );

  it(
    "streams chunk by chunk with a libSQL server migrated out of band, and writes the request's statistics",
    async () => {
      dir = tempDir();
      sqld = await startSqld(dir.path);
      expect(await migrateOutOfBand(sqld.url)).toContain("migrations applied");
      upstream = await startPacedUpstream(5);
      worker = await startLlmlb("workerd", {
        LLMLB_DATABASE_URL: sqld.url,
        LLMLB_SECRET_KEY: SECRET_KEY,
        LLMLB_ENDPOINTS: `paced=${upstream.server.url}`,
      });
      expect(await getJson(`${worker.url}/ready`)).toEqual({ status: "ready" });
      expect(await getJson(`${worker.url}/api/openapi.json`)).toMatchObject({ openapi: "3.1.0" });
      expect((await fetch(`${worker.url}/dashboard/api-docs/swagger-ui-bundle.js`)).status).toBe(200);
      const headers = { authorization: `Bearer ${await worker.inferenceKey()}` };
      await sweepUntilListed(worker, headers);

      const events = await watchEvents(worker.url, await worker.adminHeaders());
      const reading = await readPacedStream(upstream, worker.url, headers);
      expect(reading.status).toBe(200);
      expect(reading.contents).toEqual(["c0.0 ", "c0.1 ", "c0.2 ", "c0.3 ", "c0.4 "]);
      expect(reading.done).toBe(true);
      expect(arrivedBeforeNextWasSent(reading, upstream.sendLogs[0] ?? [])).toEqual([true, true, true, true]);

      // The isolate's live event stream (SSE) announces the finished request.
      try {
        const completed = await events.next("RequestCompleted", (data) => data.model === PACED_MODEL);
        expect(completed).toMatchObject({
          status: "success",
          output_tokens: 5,
          api_kind: "chat_completions",
        });
      } finally {
        events.close();
      }

      // Written through waitUntil shortly after the request (no timers run between invocations).
      const database = createClient({ url: sqld.url });
      try {
        const counted = await eventually(async () => {
          const rows = await database.execute("SELECT total_requests, total_output_tokens FROM endpoints");
          return rows.rows[0]?.total_requests === 1 ? rows.rows[0] : undefined;
        }, "the request's counters in the database");
        expect(counted.total_output_tokens).toBe(5);
      } finally {
        database.close();
      }
      const fleet = await getJson<{ fleet: { source: string; totals: { total_requests: number } } }>(
        `${worker.url}/api/dashboard/fleet`,
        await worker.adminHeaders(),
      );
      expect(fleet.fleet).toMatchObject({ source: "database", totals: { total_requests: 1 } });

      // The dashboard comes from the Workers static assets (web/dist) under /dashboard/.
      const page = await fetch(`${worker.url}/dashboard/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      expect(html).toContain('<div id="app">');
      const script = /src="\/dashboard\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect((await fetch(`${worker.url}/dashboard/${script}`)).status).toBe(200);
    },
    WORKER_TEST_TIMEOUT_MS,
  );

  it(
    "still proxies a streamed completion and a /v1/messages stream when the database is unreachable (auth disabled, declared endpoint)",
    async () => {
      upstream = await startPacedUpstream(4);
      worker = await startLlmlb("workerd", {
        LLMLB_DATABASE_URL: `http://127.0.0.1:${await freePort()}`,
        LLMLB_AUTH_DISABLED: "1",
        LLMLB_ENDPOINTS: `paced=${upstream.server.url}`,
      });
      expect((await fetch(`${worker.url}/ready`)).status).toBe(503);
      await sweepUntilListed(worker, {});
      const reading = await readPacedStream(upstream, worker.url, {});
      expect(reading.contents).toEqual(["c0.0 ", "c0.1 ", "c0.2 ", "c0.3 "]);
      expect(reading.done).toBe(true);
      expect(arrivedBeforeNextWasSent(reading, upstream.sendLogs[0] ?? [])).toEqual([true, true, true]);
      // The Anthropic Messages route, translated chunk by chunk in the isolate too.
      const messages = await readPacedStream(upstream, worker.url, {}, { api: "messages" });
      expect(messages.contents).toEqual(["c1.0 ", "c1.1 ", "c1.2 ", "c1.3 "]);
      expect(messages.done).toBe(true);
      expect(arrivedBeforeNextWasSent(messages, upstream.sendLogs[1] ?? [])).toEqual([true, true, true]);
    },
    WORKER_TEST_TIMEOUT_MS,
  );

  it(
    "builds the deployable bundle (`wrangler deploy --dry-run`)",
    async () => {
      dir = tempDir();
      const build = runProcess(
        join(ROOT, "node_modules", ".bin", "wrangler"),
        ["deploy", "--dry-run", "--outdir", join(dir.path, "bundle")],
        { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
        { group: true },
      );
      const code = await build.exited;
      expect(build.output()).toContain("--dry-run: exiting now.");
      expect(code).toBe(0);
    },
    WORKER_TEST_TIMEOUT_MS,
  );
});
