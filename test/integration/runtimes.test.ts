// The same app under Node (dist/server.js) and Bun (src/bun.ts) as child processes: a streamed chat
// completion arrives chunk by chunk, and (Bun) counters and TPS survive a restart on the same data dir.
// This is the documented Bun subset of the integration suite (README "Deploy").
import { afterEach, describe, expect, it } from "vitest";
import { checkUploadAndSpeech, startFakeMedia } from "../fixtures/fake-media.js";
import {
  eventually,
  getJson,
  type LlmlbProcess,
  type Runtime,
  startLlmlb,
  waitForModel,
} from "../fixtures/llmlb-process.js";
import {
  arrivedBeforeNextWasSent,
  PACED_MODEL,
  type PacedUpstream,
  readPacedStream,
  startPacedUpstream,
  watchEvents,
} from "../fixtures/paced-stream.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

interface EndpointJson {
  id: string;
  total_requests: number;
  successful_requests: number;
  failed_requests: number;
}

interface ModelTps {
  tps: number | null;
  request_count: number;
  average_duration_ms: number | null;
  load: { curve: { requests: number }[] } | null;
}

/** Child processes start slower on a busy 2-core machine (the suite runs files in parallel), ms. */
const TEST_TIMEOUT_MS = 90_000;

describe.each<Runtime>(["node", "bun"])("the %s entry", (runtime) => {
  let instance: LlmlbProcess | undefined;
  let upstream: PacedUpstream | undefined;
  let dir: TempDir | undefined;

  afterEach(async () => {
    await instance?.stop("SIGKILL");
    instance = undefined;
    await upstream?.server.stop();
    dir?.remove();
  });

  const start = async () => {
    instance = await startLlmlb(runtime, {
      LLMLB_DATA_DIR: (dir as TempDir).path,
      LLMLB_ENDPOINTS: `paced=${(upstream as PacedUpstream).server.url}`,
    });
    await waitForModel(instance, PACED_MODEL);
    return instance;
  };

  it(
    "relays a streamed chat completion chunk by chunk (each read before the upstream sends the next), announces it over SSE, serves the dashboard",
    async () => {
      dir = tempDir();
      upstream = await startPacedUpstream(6);
      const app = await start();
      const events = await watchEvents(app.url, await app.adminHeaders());
      const reading = await readPacedStream(upstream, app.url, {
        authorization: `Bearer ${await app.inferenceKey()}`,
      });
      expect(reading.status).toBe(200);
      expect(reading.contents).toEqual(["c0.0 ", "c0.1 ", "c0.2 ", "c0.3 ", "c0.4 ", "c0.5 "]);
      expect(reading.done).toBe(true);
      expect(arrivedBeforeNextWasSent(reading, upstream.sendLogs[0] ?? [])).toEqual([
        true,
        true,
        true,
        true,
        true,
      ]);
      // The live event stream (SSE) announces the finished request.
      try {
        const completed = await events.next("RequestCompleted", (data) => data.model === PACED_MODEL);
        expect(completed).toMatchObject({
          status: "success",
          output_tokens: 6,
          api_kind: "chat_completions",
        });
      } finally {
        events.close();
      }
      // The built dashboard (web/dist) is served by the same process.
      const page = await fetch(`${app.url}/dashboard/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app">');
      // The API reference: the document (public) and Swagger UI's files from the same build.
      expect(await getJson(`${app.url}/api/openapi.json`)).toMatchObject({ openapi: "3.1.0" });
      expect((await fetch(`${app.url}/dashboard/api-docs/swagger-ui-bundle.js`)).status).toBe(200);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "translates /v1/messages chunk by chunk (each text_delta read before the upstream sends the next)",
    async () => {
      dir = tempDir();
      upstream = await startPacedUpstream(4);
      const app = await start();
      const headers = { "x-api-key": await app.inferenceKey(), "anthropic-version": "2023-06-01" };
      const reading = await readPacedStream(upstream, app.url, headers, { api: "messages" });
      expect(reading.status).toBe(200);
      expect(reading.contents).toEqual(["c0.0 ", "c0.1 ", "c0.2 ", "c0.3 "]);
      expect(reading.done).toBe(true);
      expect(arrivedBeforeNextWasSent(reading, upstream.sendLogs[0] ?? [])).toEqual([true, true, true]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "aborts the upstream when the client disconnects, and ends a stalled stream with a timeout error event",
    async () => {
      dir = tempDir();
      upstream = await startPacedUpstream(6, { stallAfter: 2 });
      const app = await start();
      const headers = { authorization: `Bearer ${await app.inferenceKey()}` };
      const admin = await app.adminHeaders();
      const [endpoint] = (await getJson<{ endpoints: EndpointJson[] }>(`${app.url}/api/endpoints`, admin))
        .endpoints;
      const update = await fetch(`${app.url}/api/endpoints/${endpoint?.id}`, {
        method: "PUT",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify({ inference_timeout_secs: 1 }),
      });
      expect(update.status).toBe(200);

      // The upstream sends 2 chunks, then nothing: 1 s later the stream ends with an error event.
      const stalled = await readPacedStream(upstream, app.url, headers);
      expect(stalled.contents).toEqual(["c0.0 ", "c0.1 "]);
      expect(stalled.errorCodes).toEqual(["upstream_timeout"]);
      expect(stalled.done).toBe(false);
      await eventually(
        async () => (upstream?.abandoned === 1 ? true : undefined),
        "the stalled request closed",
      );

      // The client leaves after the first chunk: the upstream connection closes before its stream ended.
      const left = await readPacedStream(upstream, app.url, headers, { disconnectAfter: 1 });
      expect(left.contents).toEqual(["c1.0 "]);
      await eventually(
        async () => (upstream?.abandoned === 2 ? true : undefined),
        "the upstream request aborted",
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "keeps request counters and TPS across a restart (SIGTERM flushes, the next boot restores)",
    async () => {
      dir = tempDir();
      upstream = await startPacedUpstream(3);
      let app = await start();
      const headers = { authorization: `Bearer ${await app.inferenceKey()}` };
      for (let i = 0; i < 3; i++) expect((await readPacedStream(upstream, app.url, headers)).done).toBe(true);
      const admin = await app.adminHeaders();
      const [endpoint] = (await getJson<{ endpoints: EndpointJson[] }>(`${app.url}/api/endpoints`, admin))
        .endpoints;
      if (!endpoint) throw new Error("no endpoint listed");
      const before = await getJson<ModelTps[]>(`${app.url}/api/endpoints/${endpoint.id}/model-tps`, admin);
      expect(endpoint.total_requests).toBe(3);
      expect(before).toHaveLength(1);

      expect(await app.stop("SIGTERM")).toBe(0);
      app = await start();
      const adminAfter = await app.adminHeaders();
      const [after] = (await getJson<{ endpoints: EndpointJson[] }>(`${app.url}/api/endpoints`, adminAfter))
        .endpoints;
      expect(after).toMatchObject({
        id: endpoint.id,
        total_requests: 3,
        successful_requests: 3,
        failed_requests: 0,
      });
      // Durations are checkpointed in whole milliseconds, so the average may move by under 1 ms.
      const { average_duration_ms: averageBefore, load: learned, ...speedBefore } = before[0] as ModelTps;
      const restored = await getJson<ModelTps[]>(
        `${app.url}/api/endpoints/${endpoint.id}/model-tps`,
        adminAfter,
      );
      expect(restored).toHaveLength(1);
      const { average_duration_ms: averageAfter, load: relearned, ...speedAfter } = restored[0] as ModelTps;
      expect(speedAfter).toEqual(speedBefore);
      // The load profile routing learned is per process: measured before, relearned after a restart.
      expect(learned?.curve[0]?.requests).toBe(3);
      expect(relearned).toBeNull();
      expect(Math.abs((averageAfter ?? 0) - (averageBefore ?? 0))).toBeLessThan(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "streams a multi-MiB transcription upload byte for byte and a binary speech answer",
    async () => {
      dir = tempDir();
      const media = await startFakeMedia();
      try {
        instance = await startLlmlb(runtime, {
          LLMLB_DATA_DIR: dir.path,
          LLMLB_ENDPOINTS: `media=${media.url}`,
        });
        await waitForModel(instance, "whisper-1");
        const checked = await checkUploadAndSpeech(
          instance.url,
          await instance.inferenceKey(),
          media,
          3 * 1024 * 1024 + 7,
        );
        expect(checked).toEqual({
          transcript: `heard ${3 * 1024 * 1024 + 7} bytes with whisper-1`,
          fileIntact: true,
          speechType: "audio/mpeg",
          speechIntact: true,
        });
      } finally {
        await media.stop();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
