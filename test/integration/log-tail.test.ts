// The balancer log tail: GET /api/dashboard/logs/lb from the bounded in-memory ring, level filter, and
// LogLine events on /api/events for admins only (live and replayed).
import { describe, expect, it } from "vitest";
import { createKey, viewerHeaders } from "../fixtures/accounts.js";
import { api } from "../fixtures/admin-api.js";
import { openaiClient, registerEndpoint, testbed } from "../fixtures/proxy-harness.js";
import { openSse } from "../fixtures/sse-client.js";

// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON fields
type Json = any;

describe("balancer log tail", () => {
  const bed = testbed();
  const start = (env: Record<string, string> = {}) => bed.app(env);

  it("keeps only LLMLB_LOG_BUFFER_LINES lines, newest last, and filters by minimum level", async () => {
    const app = await start({ LLMLB_LOG_BUFFER_LINES: "5" });
    for (let i = 0; i < 8; i++) await fetch(`${app.url}/health?probe=${i}`);
    const answer = await api(app, "GET", "/api/dashboard/logs/lb");
    expect(answer.status).toBe(200);
    expect(answer.body.capacity).toBe(5);
    const logs = answer.body.logs as Json[];
    expect(logs).toHaveLength(5);
    // Each line is the logger's own: time, level, msg and fields.
    expect(logs.every((line) => typeof line.time === "string" && typeof line.msg === "string")).toBe(true);
    const written = app.logs.slice(-6, -1).map((line) => line.msg);
    expect(logs.map((line) => line.msg)).toEqual(written);
    const limited = await api(app, "GET", "/api/dashboard/logs/lb?limit=2");
    // The newest two: the previous read's access line is the last.
    expect(limited.body.logs).toHaveLength(2);
    expect(limited.body.logs[1]).toMatchObject({ msg: "request", path: "/api/dashboard/logs/lb" });
    // A failing upstream logs a warning; level=warn returns warnings and errors only.
    const server = await bed.upstream({ failStatus: 500 });
    await registerEndpoint(app, "broken", server.url);
    const client = await openaiClient(app);
    await client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch(() => null);
    const warnings = (await api(app, "GET", "/api/dashboard/logs/lb?level=warn")).body.logs as Json[];
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((line) => line.level === "warn" || line.level === "error")).toBe(true);
    expect(warnings.some((line) => line.msg === "upstream attempt failed")).toBe(true);
    expect((await api(app, "GET", "/api/dashboard/logs/lb?level=loud")).status).toBe(400);
    expect((await api(app, "GET", "/api/dashboard/logs/lb?limit=0")).status).toBe(400);
  });

  it("serves the log to admins and manage keys only", async () => {
    const app = await start();
    const viewer = await viewerHeaders(app);
    const read = await createKey(app, ["endpoints.read"]);
    const manage = await createKey(app, ["endpoints.manage"]);
    const get = (headers: Record<string, string>) => fetch(`${app.url}/api/dashboard/logs/lb`, { headers });
    expect((await get(viewer)).status).toBe(403);
    expect((await get({ authorization: `Bearer ${read.key}` })).status).toBe(403);
    expect((await get({})).status).toBe(401);
    expect((await get({ authorization: `Bearer ${manage.key}` })).status).toBe(200);
  });

  it("pushes LogLine events to admin streams that asked for them (logs=1) only, unnumbered and never replayed", async () => {
    const app = await start();
    const viewer = await viewerHeaders(app);
    const read = await createKey(app, ["endpoints.read"]);
    const admin = await openSse(`${app.url}/api/events?logs=1`, await app.adminHeaders());
    const plainAdmin = await openSse(`${app.url}/api/events`, await app.adminHeaders());
    const viewerStream = await openSse(`${app.url}/api/events`, viewer);
    const keyStream = await openSse(`${app.url}/api/events`, { authorization: `Bearer ${read.key}` });
    // Asking for the log tail without being an admin is refused.
    expect((await fetch(`${app.url}/api/events?logs=1`, { headers: viewer })).status).toBe(403);
    const keyLogs = await fetch(`${app.url}/api/events?logs=1`, {
      headers: { authorization: `Bearer ${read.key}` },
    });
    expect(keyLogs.status).toBe(403);
    // A request produces a log line (the debug access line naming its path) and registering an endpoint
    // produces an event everybody gets.
    await fetch(`${app.url}/health?marker=log-tail-test`);
    const line = await admin.waitFor(
      (event) => event.event === "LogLine" && JSON.parse(event.data).path === "/health",
    );
    expect(JSON.parse(line.data)).toMatchObject({ level: "debug", msg: "request", status: 200 });
    const server = await bed.upstream();
    await registerEndpoint(app, "gpu", server.url);
    for (const stream of [admin, plainAdmin, viewerStream, keyStream]) {
      await stream.waitFor((event) => event.event === "EndpointRegistered");
    }
    expect(viewerStream.events.some((event) => event.event === "LogLine")).toBe(false);
    expect(keyStream.events.some((event) => event.event === "LogLine")).toBe(false);
    // An admin's stream without logs=1 carries no log lines either.
    expect(plainAdmin.events.some((event) => event.event === "LogLine")).toBe(false);
    // Log lines are not bus events: they take no event id and never enter the replay buffer (a
    // reconnecting log view refetches the ring instead).
    const lastId = app.composition.deps.events.lastId();
    const seen = admin.events.length;
    await fetch(`${app.url}/health?marker=second`);
    await admin.waitFor((event) => event.event === "LogLine" && JSON.parse(event.data).path === "/health", {
      from: seen,
    });
    expect(app.composition.deps.events.lastId()).toBe(lastId);
    for (const stream of [admin, plainAdmin, viewerStream, keyStream]) stream.close();
  });
});
