// LLMLB_LOG_BODIES: with it, a proxied request's request and response bodies reach request_history
// (each capped at LLMLB_LOG_BODY_MAX_BYTES, flagged when cut); without it, no body is ever stored.
import { afterEach, describe, expect, it } from "vitest";
import { requestHistory } from "../../src/db/schema.js";
import { runJob } from "../fixtures/completions.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("LLMLB_LOG_BODIES", () => {
  let app: TestApp | undefined;
  let server: InferenceServer | undefined;
  afterEach(async () => {
    await app?.close();
    await server?.stop();
    app = undefined;
    server = undefined;
  });

  async function historyAfterTwoChats(env: Record<string, string>) {
    app = await startTestApp({ env });
    server = await startInferenceServer("vllm", { models: ["m"] });
    await registerEndpoint(app, "vllm", server.url);
    const client = await openaiClient(app);
    const chat = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hello there" }],
      max_tokens: 3,
    });
    // A prompt far over the cap: its stored copy is cut at the cap.
    await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "x".repeat(100_000) }],
      max_tokens: 1,
    });
    await runJob(app, "statsFlush");
    const rows = await app.composition.deps.database.db
      .select({
        request: requestHistory.requestBody,
        response: requestHistory.responseBody,
        requestTruncated: requestHistory.requestBodyTruncated,
      })
      .from(requestHistory);
    return { chat, rows };
  }

  it("stores the request and response bodies of a non-streamed request, capped at LLMLB_LOG_BODY_MAX_BYTES", async () => {
    const { chat, rows } = await historyAfterTwoChats({
      LLMLB_LOG_BODIES: "1",
      LLMLB_LOG_BODY_MAX_BYTES: "65536",
    });
    expect(rows).toHaveLength(2);
    const short = rows.find((row) => row.request?.includes("hello there"));
    const long = rows.find((row) => row !== short);
    const request = JSON.parse(short?.request ?? "null") as { messages: { content: string }[] };
    expect(request.messages[0]?.content).toBe("hello there");
    const response = JSON.parse(short?.response ?? "null") as { id: string; choices: unknown[] };
    expect(response.id).toBe(chat.id);
    expect(response.choices).toEqual(JSON.parse(JSON.stringify(chat.choices)));
    expect(long?.request?.length).toBe(64 * 1024);
    expect(long?.requestTruncated).toBe(true);
    expect(short?.requestTruncated).toBe(false);
  });

  it("stores no body when it is off", async () => {
    const { rows } = await historyAfterTwoChats({});
    expect(rows).toEqual([
      { request: null, response: null, requestTruncated: false },
      { request: null, response: null, requestTruncated: false },
    ]);
  });
});
