// Per-key queue priority: the keys API takes and changes it, and when endpoints are saturated an
// interactive key's request is served before a batch key's earlier ones.
import { afterEach, describe, expect, it } from "vitest";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { captureCompletions, eventually, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

interface KeyView {
  id: string;
  key?: string;
  priority: string;
}

async function call(app: TestApp, method: string, path: string, body?: unknown) {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { ...(await app.adminHeaders()), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as KeyView & { error?: { code: string } } };
}

const createKey = (app: TestApp, extra: Record<string, unknown> = {}) =>
  call(app, "POST", "/api/api-keys", { name: "k", permissions: ["openai.inference"], ...extra });

describe("API key priority", () => {
  const apps: TestApp[] = [];
  const servers: InferenceServer[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const server of servers.splice(0)) await server.stop();
  });

  it("is interactive by default, set at creation, changed with PATCH, listed, and validated", async () => {
    const app = await startTestApp();
    apps.push(app);
    expect((await createKey(app)).body.priority).toBe("interactive");
    const batch = await createKey(app, { priority: "batch" });
    expect(batch.status).toBe(201);
    expect(batch.body.priority).toBe("batch");
    const invalid = await createKey(app, { priority: "urgent" });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error?.code).toBeDefined();
    const changed = await call(app, "PATCH", `/api/api-keys/${batch.body.id}`, { priority: "interactive" });
    expect(changed.status).toBe(200);
    expect(changed.body.priority).toBe("interactive");
    expect((await call(app, "PATCH", `/api/api-keys/${batch.body.id}`, { priority: "low" })).status).toBe(
      400,
    );
    expect((await call(app, "PATCH", "/api/api-keys/nope", { priority: "batch" })).status).toBe(404);
    const listed = (await call(app, "GET", "/api/api-keys")).body as unknown as { data: KeyView[] };
    expect(listed.data.find((key) => key.id === batch.body.id)?.priority).toBe("interactive");
  });

  it("a saturated endpoint serves the interactive key's request before the batch key's queued ones", async () => {
    // Each answer takes 600 ms, so all four job requests are in (one running, three queued) before the first ends,
    // even on a loaded machine.
    const server = await startInferenceServer("vllm", { models: ["m"], scripts: { m: { ttftMs: 600 } } });
    servers.push(server);
    const app = await startTestApp({ env: { LLMLB_QUEUE_MAX: "10" } });
    apps.push(app);
    await registerEndpoint(app, "one", server.url, { max_concurrency: 1 });
    const batchKey = (await createKey(app, { priority: "batch" })).body.key as string;
    const chatKey = (await createKey(app)).body.key as string;
    const records = captureCompletions(app);
    const send = (key: string, content: string) =>
      fetch(`${app.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content }], max_tokens: 2 }),
      });
    const job = [
      send(batchKey, "job 1"),
      send(batchKey, "job 2"),
      send(batchKey, "job 3"),
      send(batchKey, "job 4"),
    ];
    await eventually(() => app.composition.deps.liveLoad.queued() === 3);
    const chat = send(chatKey, "chat");
    await eventually(() => app.composition.deps.liveLoad.queued() === 4);
    const statuses = (await Promise.all([...job, chat])).map((response) => response.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    await eventually(() => records.length === 5);
    const chatKeyId = records.find((record) => record.api_key_id !== records[0]?.api_key_id)?.api_key_id;
    // Served one at a time: the chat right after the job request that was already running.
    expect(records.map((record) => (record.api_key_id === chatKeyId ? "chat" : "job"))).toEqual([
      "job",
      "chat",
      "job",
      "job",
      "job",
    ]);
  });
});
