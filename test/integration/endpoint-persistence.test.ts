import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { api, movableClock, sweep } from "../fixtures/admin-api.js";
import { type FakeServer, startFakeServer } from "../fixtures/fake-servers.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("endpoints across restarts, and API keys at rest", () => {
  const apps: TestApp[] = [];
  const servers: FakeServer[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const server of servers.splice(0)) await server.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps endpoints, statuses, latencies, models and the usable key after a restart; no plaintext key anywhere", async () => {
    const key = "sk-secret-upstream-91b2c7";
    const clock = movableClock();
    const first = await startTestApp({ clock, keepData: true });
    apps.push(first);
    dirs.push(first.dataDir);
    const keyed = await startFakeServer("ollama", { apiKey: key, models: ["llama3:latest", "phi3"] });
    const other = await startFakeServer("llamacpp", { models: ["qwen"] });
    servers.push(keyed, other);
    const a = await api(first, "POST", "/api/endpoints", {
      name: "keyed",
      base_url: keyed.url,
      api_key: key,
    });
    const b = await api(first, "POST", "/api/endpoints", { name: "other", base_url: other.url });
    expect(a.body).toMatchObject({ status: "online", has_api_key: true, endpoint_type: "ollama" });
    await other.stop();
    await sweep(first, clock); // other: online → error, latency kept
    const before = (await api(first, "GET", "/api/endpoints")).body;
    const modelsBefore = (await api(first, "GET", `/api/endpoints/${a.body.id}`)).body.models;
    expect(before.endpoints.map((e: { status: string }) => e.status)).toEqual(["online", "error"]);

    expect(JSON.stringify(first.logs)).not.toContain(key);
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    // The database and its write-ahead log: the ciphertext is stored, the plaintext nowhere.
    const files = readdirSync(first.dataDir).filter((name) => name.startsWith("llmlb.db"));
    const bytes = Buffer.concat(files.map((file) => readFileSync(join(first.dataDir, file))));
    expect(bytes.includes(key)).toBe(false);
    expect(bytes.includes("v1:")).toBe(true);

    const second = await startTestApp({ env: { LLMLB_DATA_DIR: first.dataDir } });
    apps.push(second);
    const after = (await api(second, "GET", "/api/endpoints")).body;
    expect(after).toEqual(before);
    expect(after.endpoints[1]).toMatchObject({
      id: b.body.id,
      status: "error",
      latency_ms: b.body.latency_ms,
    });
    expect((await api(second, "GET", `/api/endpoints/${a.body.id}`)).body.models).toEqual(modelsBefore);

    // The key still decrypts after the restart: the upstream gets it.
    keyed.requests.length = 0;
    const synced = await api(second, "POST", `/api/endpoints/${a.body.id}/sync`);
    expect(synced).toEqual({ status: 200, body: { synced_models: 2, added: 0, removed: 0, updated: 0 } });
    // The listing, plus (Ollama) one /api/show per model: capability answers are memory-only, asked again.
    expect(keyed.requests.length).toBeGreaterThan(0);
    for (const request of keyed.requests) expect(request.headers.authorization).toBe(`Bearer ${key}`);
    expect(JSON.stringify(second.logs)).not.toContain(key);
  });

  it("upserts LLMLB_ENDPOINTS at boot, idempotently across restarts, detected by the first sweep", async () => {
    const server = await startFakeServer("xllm", { models: ["x1"] });
    servers.push(server);
    const clock = movableClock();
    const env = { LLMLB_ENDPOINTS: `${server.url}/, named=${server.url.replace("127.0.0.1", "localhost")}` };
    const first = await startTestApp({ clock, env, keepData: true });
    apps.push(first);
    dirs.push(first.dataDir);
    const listed = (await api(first, "GET", "/api/endpoints")).body;
    expect(listed.endpoints.map((e: { name: string; status: string }) => [e.name, e.status])).toEqual([
      [`127.0.0.1:${server.port}`, "pending"],
      ["named", "pending"],
    ]);
    await sweep(first, clock);
    const swept = (await api(first, "GET", "/api/endpoints")).body;
    expect(
      swept.endpoints.map((e: { endpoint_type: string; status: string }) => [e.endpoint_type, e.status]),
    ).toEqual([
      ["xllm", "online"],
      ["xllm", "online"],
    ]);
    await first.close();
    apps.splice(0);

    const second = await startTestApp({ env: { ...env, LLMLB_DATA_DIR: first.dataDir } });
    apps.push(second);
    const again = (await api(second, "GET", "/api/endpoints")).body;
    expect(again.total).toBe(2);
    expect(again.endpoints.map((e: { id: string }) => e.id)).toEqual(
      swept.endpoints.map((e: { id: string }) => e.id),
    );
  });
});
