import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, ROOT, runProcess, waitForOk } from "../fixtures/process.js";
import { openSse, type SseClient } from "../fixtures/sse-client.js";
import { tempDir } from "../fixtures/temp-db.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;
const clients: SseClient[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of sockets.splice(0)) socket.destroy();
  await app?.close();
  app = undefined;
});

async function sse(target: TestApp, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await openSse(`${target.url}/api/events`, { ...(await target.adminHeaders()), ...headers });
  clients.push(client);
  return client;
}

const removed = (target: TestApp, id: string) =>
  target.composition.deps.events.publish({ type: "EndpointRemoved", data: { endpoint_id: id } });

const until = async (condition: () => boolean, what: string) => {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

describe("GET /api/events", () => {
  it("streams bus events as text/event-stream with ids, types and JSON data", async () => {
    app = await startTestApp();
    const client = await sse(app);
    expect(client.status).toBe(200);
    expect(client.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(client.headers.get("cache-control")).toContain("no-cache");
    const published = removed(app, "gpu-1");
    const event = await client.waitFor((e) => e.event === "EndpointRemoved");
    expect(event.id).toBe(String(published.id));
    expect(JSON.parse(event.data)).toEqual({ endpoint_id: "gpu-1" });
  });

  it("requires the dashboard's authentication", async () => {
    app = await startTestApp();
    const response = await fetch(`${app.url}/api/events`);
    expect(response.status).toBe(401);
  });

  it("delivers exactly the missed events to a client reconnecting with Last-Event-ID", async () => {
    app = await startTestApp();
    const first = await sse(app);
    for (const name of ["a", "b", "c"]) removed(app, name);
    const seen = await first.waitFor((e) => JSON.parse(e.data).endpoint_id === "c");
    first.close();
    for (const name of ["d", "e", "f", "g"]) removed(app, name);

    const second = await sse(app, { "last-event-id": seen.id ?? "" });
    removed(app, "h");
    await second.waitFor((e) => e.event === "EndpointRemoved" && JSON.parse(e.data).endpoint_id === "h");
    const delivered = second.events.map((e) => JSON.parse(e.data).endpoint_id);
    expect(delivered).toEqual(["d", "e", "f", "g", "h"]);
    const ids = second.events.map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => Number(seen.id) + 1 + i));
  });

  it("tells a client with an id from a previous process to refetch (reset with the current last id)", async () => {
    app = await startTestApp();
    const last = removed(app, "a");
    const client = await sse(app, { "last-event-id": String(last.id + 1_000_000) });
    const reset = await client.waitFor((e) => e.event === "reset");
    expect(JSON.parse(reset.data)).toEqual({ last_id: last.id, reason: "unknown_id" });
    expect(reset.id).toBe(String(last.id));
  });

  it("keeps 99 clients receiving while the one that never reads is disconnected", async () => {
    // A small per-client bound; the kernel's socket buffers still absorb a few MB before it applies.
    app = await startTestApp({ env: { LLMLB_SSE_CLIENT_BUFFER_KB: "64" } });
    const target = app;
    const readers = await Promise.all(Array.from({ length: 99 }, () => sse(target)));
    const stalled = connect(Number(new URL(target.url).port), "127.0.0.1");
    sockets.push(stalled);
    await new Promise((resolve) => stalled.once("connect", resolve));
    const auth = Object.entries(await target.adminHeaders()).map(([name, value]) => `${name}: ${value}\r\n`);
    stalled.write(
      `GET /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n${auth.join("")}\r\n`,
    );
    stalled.pause(); // never reads: what it is sent piles up in the kernel, then in the hub
    const hub = target.composition.deps.eventStream;
    await until(() => hub.stats().clients === 100, "100 connected clients");

    const padding = "x".repeat(16 * 1024);
    let published = 0;
    while (hub.stats().slowDisconnects === 0 && published < 2000) {
      removed(target, `${published}-${padding}`);
      published += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(hub.stats()).toEqual({ clients: 99, slowDisconnects: 1 });

    const marker = removed(target, "after-the-disconnect");
    await Promise.all(readers.map((reader) => reader.waitFor((e) => e.id === String(marker.id))));
    for (const reader of readers) expect(reader.events).toHaveLength(published + 1);
  });

  it("ends open streams at SIGTERM so shutdown does not wait for the drain bound", async () => {
    const dir = tempDir();
    const port = await freePort();
    const server = runProcess(process.execPath, [join(ROOT, "dist", "server.js")], {
      LLMLB_PORT: String(port),
      LLMLB_HOST: "127.0.0.1",
      LLMLB_DATA_DIR: dir.path,
      LLMLB_ADMIN_PASSWORD: "correct-horse-battery",
      LLMLB_SHUTDOWN_TIMEOUT_SECS: "5",
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForOk(`${url}/ready`, server);
      const login = await fetch(`${url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: "correct-horse-battery" }),
      });
      const { token } = (await login.json()) as { token: string };
      const client = await openSse(`${url}/api/events`, { authorization: `Bearer ${token}` });
      clients.push(client);
      expect(client.status).toBe(200);
      expect(await server.stop("SIGTERM")).toBe(0);
      expect(await client.ended).toEqual({ error: null });
      expect(server.output()).toContain('"msg":"stopped"');
      expect(server.output()).not.toContain("still open after the drain bound");
    } finally {
      await server.stop("SIGKILL");
      dir.remove();
    }
  });
});
