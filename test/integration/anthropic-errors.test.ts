// /v1/messages failures in Anthropic's error shape (the SDK's error classes), failover before the first
// byte, mid-stream failure as an `error` event, and accounting (history, TPS, daily stats, /metrics).
import type Anthropic from "@anthropic-ai/sdk";
import {
  type APIError,
  AuthenticationError,
  BadRequestError,
  GatewayTimeoutError,
  NotFoundError,
  OverloadedError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
} from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { anthropicClient } from "../fixtures/anthropic-harness.js";
import { runJob } from "../fixtures/completions.js";
import { startAgentServer } from "../fixtures/fake-agent.js";
import { type InferenceServer, type ModelScript, startInferenceServer } from "../fixtures/fake-inference.js";
import type { FakeServer } from "../fixtures/fake-servers.js";
import { captureCompletions, eventually, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

const ask = { max_tokens: 20, messages: [{ role: "user" as const, content: "hi" }] };

describe("Anthropic Messages API: errors, failover, accounting", () => {
  let app: TestApp | undefined;
  const servers: (InferenceServer | FakeServer)[] = [];
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const server of servers.splice(0)) await server.stop();
  });

  async function start(env: Record<string, string> = {}) {
    app = await startTestApp({ env });
    return { app, client: anthropicClient(app, await app.inferenceKey()), records: captureCompletions(app) };
  }
  async function backend(scripts: Record<string, ModelScript>, extra: Record<string, unknown> = {}) {
    const server = await startInferenceServer("vllm", { models: Object.keys(scripts), scripts });
    servers.push(server);
    const id = await registerEndpoint(app as TestApp, `vllm-${servers.length}`, server.url, extra);
    return { server, id };
  }
  const raw = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${app?.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as Anthropic.ErrorResponse };
  };

  it("401 without a key, 403 without the inference permission, 404 for an unknown model", async () => {
    const { client } = await start();
    await backend({ m: {} });
    const anonymous = anthropicClient(app as TestApp, "sk_not_a_real_key");
    await expect(anonymous.messages.create({ model: "m", ...ask })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    expect(await raw(JSON.stringify({ model: "m", ...ask }))).toEqual({
      status: 401,
      body: { type: "error", error: { type: "authentication_error", message: expect.any(String) } },
    });
    const created = await fetch(`${app?.url}/api/api-keys`, {
      method: "POST",
      headers: { ...(await app?.adminHeaders()), "content-type": "application/json" },
      body: JSON.stringify({ name: "models only", permissions: ["openai.models.read"] }),
    });
    const readOnly = anthropicClient(app as TestApp, ((await created.json()) as { key: string }).key);
    await expect(readOnly.messages.create({ model: "m", ...ask })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    const missing = await client.messages.create({ model: "nope", ...ask }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).error).toMatchObject({ error: { type: "not_found_error" } });
  });

  it("400 for bad bodies and a backend that cannot run tools, 413 for an oversized body", async () => {
    const { client } = await start({ LLMLB_MAX_BODY_BYTES: "4096" });
    const agent = await startAgentServer("ollama");
    servers.push(agent);
    await registerEndpoint(app as TestApp, "ollama", agent.url);
    const key = { "x-api-key": await (app as TestApp).inferenceKey() };
    expect(await raw("{nope", key)).toMatchObject({
      status: 400,
      body: { error: { type: "invalid_request_error" } },
    });
    const noMax = await raw(JSON.stringify({ model: "writer", messages: ask.messages }), key);
    expect(noMax).toMatchObject({
      status: 400,
      body: { type: "error", error: { type: "invalid_request_error" } },
    });
    expect(noMax.body.error.message).toContain("max_tokens");
    const big = await raw(JSON.stringify({ model: "writer", ...ask, system: "x".repeat(5000) }), key);
    expect(big).toMatchObject({ status: 413, body: { error: { type: "request_too_large" } } });
    const tools = [{ name: "f", input_schema: { type: "object" as const } }];
    const refused = await client.messages
      .create({ model: "no-tools", ...ask, tools })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).message).toContain("cannot run this request's tools");
    const server = await client.messages
      .create({ model: "writer", ...ask, tools: [{ type: "web_search_20250305", name: "web_search" }] })
      .catch((error: unknown) => error);
    expect(server).toBeInstanceOf(BadRequestError);
  });

  it("429 with Retry-After when the queue is full; an upstream 529 relayed as overloaded_error, then 503 with Retry-After", async () => {
    const { client } = await start({ LLMLB_QUEUE_MAX: "0", LLMLB_CIRCUIT_FAILURE_THRESHOLD: "1" });
    await backend(
      { slow: { ttftMs: 300 }, broken: { failStatus: 500 }, busy: { failStatus: 529 } },
      { max_concurrency: 1 },
    );
    const first = client.messages.create({ model: "slow", ...ask });
    await eventually(() => (app as TestApp).composition.deps.liveLoad.totalInFlight() === 1);
    const limited = await client.messages.create({ model: "slow", ...ask }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).headers?.get("retry-after")).toBe("1");
    await first;
    const overloaded = await client.messages
      .create({ model: "busy", ...ask })
      .catch((error: unknown) => error);
    expect(overloaded).toBeInstanceOf(OverloadedError);
    expect(overloaded).toMatchObject({ status: 529, error: { error: { type: "overloaded_error" } } });
    // The 529 opened the circuit: nothing is left to serve.
    const unavailable = await client.messages
      .create({ model: "broken", ...ask })
      .catch((error: unknown) => error);
    expect(unavailable).toBeInstanceOf(ServiceUnavailableError);
    expect(unavailable).toMatchObject({ status: 503, error: { error: { type: "overloaded_error" } } });
    expect((unavailable as APIError).headers?.get("retry-after")).toBe("1");
  });

  it("504 on a backend that stops answering, 502 when it is gone, an error event after the first byte", async () => {
    const { client, records } = await start();
    const { server } = await backend(
      { hang: { hang: true }, stall: { stallAfterTokens: 2, outputTokens: 20 } },
      { inference_timeout_secs: 1 },
    );
    const timedOut = await client.messages.create({ model: "hang", ...ask }).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(GatewayTimeoutError);
    expect(timedOut).toMatchObject({
      status: 504,
      error: { error: { type: "api_error" } },
    });
    const stream = client.messages.stream({ model: "stall", max_tokens: 100, messages: ask.messages });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    await expect(stream.finalMessage()).rejects.toThrow(/stream failed after it started/);
    expect(texts.join("")).toBe("w0 w1 ");
    await server.stop();
    await expect(client.messages.create({ model: "hang", ...ask })).rejects.toMatchObject({ status: 502 });
    await eventually(() => records.length === 3);
    expect(records.map((record) => [record.api_kind, record.status, record.status_code])).toEqual([
      ["messages", "error", 504],
      ["messages", "error", 200],
      ["messages", "error", 502],
    ]);
  });

  it("fails over to the next endpoint before the first byte, streamed or not", async () => {
    const { client, records } = await start({ LLMLB_LOAD_BALANCER_MODE: "round_robin" });
    const failing = await backend({ m: { failStatus: 503 } });
    await backend({ m: {} });
    for (let i = 0; i < 2; i++) {
      expect((await client.messages.create({ model: "m", ...ask })).content[0]).toMatchObject({
        type: "text",
      });
      const streamed = await client.messages.stream({ model: "m", ...ask }).finalMessage();
      expect(streamed.stop_reason).toBe("end_turn");
    }
    await eventually(() => records.length === 4);
    expect(records.every((record) => record.status === "success" && record.api_kind === "messages")).toBe(
      true,
    );
    const tried = failing.server.requests.filter((request) => request.path === "/v1/chat/completions");
    expect(tried.length).toBeGreaterThan(0);
  });

  it("accounts messages like any route: history, TPS and daily rows with api_kind messages, /metrics", async () => {
    const { client, records } = await start();
    const { id } = await backend({ m: { outputTokens: 6 } });
    await client.messages.create({ model: "m", ...ask, max_tokens: 6 });
    await client.messages.stream({ model: "m", ...ask, max_tokens: 6 }).finalMessage();
    const headers = await (app as TestApp).adminHeaders();
    const get = async <T>(path: string) =>
      (await (await fetch(`${app?.url}${path}`, { headers })).json()) as T;
    const tps = await get<{ api_kind: string; request_count: number }[]>(`/api/endpoints/${id}/model-tps`);
    expect(tps).toEqual([expect.objectContaining({ api_kind: "messages", request_count: 2 })]);
    await eventually(() => records.length === 2);
    await runJob(app as TestApp, "statsFlush");
    const history = await get<{ records: { api_kind: string; output_tokens: number }[] }>(
      "/api/dashboard/request-responses",
    );
    expect(history.records.map((record) => [record.api_kind, record.output_tokens])).toEqual([
      ["messages", 6],
      ["messages", 6],
    ]);
    const daily = await get<{ api_kind: string; total_requests: number }[]>(
      `/api/endpoints/${id}/model-stats`,
    );
    expect(daily).toEqual([expect.objectContaining({ api_kind: "messages", total_requests: 2 })]);
    const metrics = await (
      await fetch(`${app?.url}/metrics`, { headers: { authorization: `Bearer ${await metricsKey()}` } })
    ).text();
    expect(metrics).toMatch(/api_kind="messages"/);
  });

  async function metricsKey(): Promise<string> {
    const created = await fetch(`${app?.url}/api/api-keys`, {
      method: "POST",
      headers: { ...(await app?.adminHeaders()), "content-type": "application/json" },
      body: JSON.stringify({ name: "metrics", permissions: ["metrics.read"] }),
    });
    return ((await created.json()) as { key: string }).key;
  }
});
