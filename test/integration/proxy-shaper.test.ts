// The proxy's port for other route families (ProxyCall.shape): a parsed upstream body goes in without the
// client's raw text, and the shaper alone decides what reaches the client — whole answers, relayed upstream
// errors, streams and mid-stream failures — while metering and the completion record see the upstream's bytes.
import { afterEach, describe, expect, it } from "vitest";
import type { AppError } from "../../src/errors.js";
import type { ProxyCall, ResponseShaper } from "../../src/proxy/proxy-request.js";
import { generatedText, type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { captureCompletions, eventually, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Wraps every whole body as {"wrapped":<status>,"body":<text>} and every stream piece as one "frame:" line. */
const wrapper: ResponseShaper = {
  whole: (body, status) => enc.encode(JSON.stringify({ wrapped: status, body: dec.decode(body) })),
  stream() {
    let seen = 0;
    return {
      push: (bytes) => {
        seen += bytes.length;
        return enc.encode(`frame:${dec.decode(bytes).length}\n`);
      },
      finish: () => enc.encode(`end:${seen}\n`),
      error: (error: AppError) => enc.encode(`failed:${error.kind}:${error.code}\n`),
    };
  },
};

describe("proxy shaper port", () => {
  let app: TestApp | undefined;
  let server: InferenceServer | undefined;
  afterEach(async () => {
    await app?.close();
    await server?.stop();
    app = undefined;
    server = undefined;
  });

  async function setup() {
    app = await startTestApp();
    server = await startInferenceServer("vllm", {
      models: ["m", "broken", "stalls"],
      scripts: { broken: { failStatus: 400 }, stalls: { stallAfterTokens: 2, outputTokens: 20 } },
    });
    await registerEndpoint(app, "vllm", server.url, { inference_timeout_secs: 1 });
    return { proxy: app.composition.deps.proxy, records: captureCompletions(app) };
  }

  const call = (body: Record<string, unknown>): ProxyCall => ({
    apiKind: "chat_completions",
    path: "/v1/chat/completions",
    body: { model: "m", messages: [{ role: "user", content: "hi" }], ...body } as ProxyCall["body"],
    requestId: "req-shaper",
    clientIp: null,
    apiKeyId: null,
    priority: "interactive",
    signal: null,
    accept: undefined,
    shape: wrapper,
  });

  it("shapes a whole answer and an upstream 4xx, and records tokens from the upstream's own body", async () => {
    const { proxy, records } = await setup();
    const answer = await proxy.handle(call({ max_tokens: 3 }));
    const wrapped = (await answer.json()) as { wrapped: number; body: string };
    expect(wrapped.wrapped).toBe(200);
    const upstream = JSON.parse(wrapped.body) as { choices: { message: { content: string } }[] };
    expect(upstream.choices[0]?.message.content).toBe(generatedText(3));

    const refused = await proxy.handle(call({ model: "broken" }));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { wrapped: number }).wrapped).toBe(400);

    await eventually(() => records.length === 2);
    expect(records[0]).toMatchObject({ status: "success", output_tokens: 3, estimated: false });
    expect(records[1]).toMatchObject({ status: "error", status_code: 400 });
  });

  it("shapes a stream piece by piece and a mid-stream failure with the errors table's kind and code", async () => {
    const { proxy, records } = await setup();
    const streamed = await (await proxy.handle(call({ stream: true, max_tokens: 2 }))).text();
    const lines = streamed.trim().split("\n");
    expect(lines.slice(0, -1).every((line) => /^frame:\d+$/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(/^end:\d+$/);

    const failed = await (await proxy.handle(call({ model: "stalls", stream: true }))).text();
    expect(failed.trim().split("\n").at(-1)).toBe("failed:gateway_timeout:upstream_timeout");

    await eventually(() => records.length === 2);
    expect(records[0]).toMatchObject({ status: "success", output_tokens: 2 });
    expect(records[1]).toMatchObject({ status: "error", status_code: 200 });
  });
});
