// Graceful degradation: with the database unreachable from boot, endpoints declared in LLMLB_ENDPOINTS are
// kept in memory, probed by the sweep and routed to; once the database answers they are stored for real.
import { afterEach, describe, expect, it } from "vitest";
import { movableClock, sweep } from "../fixtures/admin-api.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { freePort } from "../fixtures/process.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("declared endpoints without a database", () => {
  let app: TestApp | undefined;
  let server: InferenceServer | undefined;

  afterEach(async () => {
    await app?.close();
    await server?.stop();
  });

  it("routes a chat completion to a declared endpoint while the database is unreachable", async () => {
    server = await startInferenceServer("openai", { models: ["solo"] });
    const clock = movableClock();
    app = await startTestApp({
      clock,
      env: {
        // Nothing listens there: every query fails with a connection error.
        LLMLB_DATABASE_URL: `http://127.0.0.1:${await freePort()}`,
        LLMLB_AUTH_DISABLED: "1",
        LLMLB_ENDPOINTS: `solo=${server.url}`,
      },
    });
    expect((await fetch(`${app.url}/ready`)).status).toBe(503);
    await sweep(app, clock);

    const models = (await (await fetch(`${app.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual(["solo"]);
    const response = await fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "solo", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toContain("w0");
  });
});
