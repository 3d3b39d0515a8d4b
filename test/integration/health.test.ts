import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../fixtures/temp-db.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("health, readiness and error shape", () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("answers /health and /ready with a good database", async () => {
    app = await startTestApp();
    const health = await fetch(`${app.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${app.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it("stays alive with a corrupt database: /health 200, /ready 503 with the reason, a warning logged", async () => {
    const dir = tempDir();
    const file = join(dir.path, "broken.db");
    writeFileSync(file, Buffer.alloc(16384, 0x41));
    app = await startTestApp({ env: { LLMLB_DATABASE_URL: `file:${file}` } });
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
    const ready = await fetch(`${app.url}/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { error: { message: string; code: string; type: string } };
    expect(body.error.code).toBe("database_unavailable");
    expect(body.error.message).toMatch(/not migrated|unreachable/);
    expect(
      app.logs.some((line) => line.level === "warn" && String(line.msg).includes("database unavailable")),
    ).toBe(true);
    dir.remove();
  });

  it("reports an unreachable libSQL server on /ready", async () => {
    app = await startTestApp({ env: { LLMLB_DATABASE_URL: "http://127.0.0.1:9" } });
    const ready = await fetch(`${app.url}/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { error: { message: string } };
    expect(body.error.message).toContain("database unreachable");
  });

  it("renders unknown routes as a 404 in the OpenAI error shape with a request id", async () => {
    app = await startTestApp();
    const response = await fetch(`${app.url}/no/such/route`);
    expect(response.status).toBe(404);
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({
      error: {
        message: "No route for GET /no/such/route",
        type: "invalid_request_error",
        code: "route_not_found",
      },
    });
  });

  it("echoes a well-formed incoming x-request-id", async () => {
    app = await startTestApp();
    const response = await fetch(`${app.url}/health`, { headers: { "x-request-id": "client-abc-123" } });
    expect(response.headers.get("x-request-id")).toBe("client-abc-123");
  });
});
