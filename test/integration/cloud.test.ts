// Cloud providers behind the same URL: fake OpenAI, Anthropic and Google servers on 127.0.0.1 registered as
// endpoint types openai / anthropic / google with keys; `provider:model` ids route to them through the
// official SDKs, streamed and not; OpenAI-shaped requests are translated for anthropic, /v1/messages passes
// through; traffic is recorded like local traffic; bad registrations and unknown prefixes are refused.
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { claudeWords, startFakeAnthropic, startFakeGoogle } from "../fixtures/fake-cloud.js";
import { startInferenceServer } from "../fixtures/fake-inference.js";
import type { FakeUpstream } from "../fixtures/fake-upstream.js";
import { captureCompletions, openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("cloud endpoint types", () => {
  const apps: TestApp[] = [];
  const servers: Pick<FakeUpstream, "stop">[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const server of servers.splice(0)) await server.stop();
  });

  async function app() {
    const started = await startTestApp();
    apps.push(started);
    return started;
  }

  it("routes openai:… to an openai endpoint with its key, streamed and not, and lists prefixed ids", async () => {
    const llmlb = await app();
    const upstream = await startInferenceServer("openai", { models: ["gpt-4o-mini"], apiKey: "sk-cloud" });
    servers.push(upstream);
    const id = await registerEndpoint(llmlb, "openai", upstream.url, {
      endpoint_type: "openai",
      api_key: "sk-cloud",
    });
    const cleared = await fetch(`${llmlb.url}/api/endpoints/${id}`, {
      method: "PUT",
      headers: { ...(await llmlb.adminHeaders()), "content-type": "application/json" },
      body: JSON.stringify({ api_key: null }),
    });
    expect(cleared.status).toBe(400);
    const records = captureCompletions(llmlb);
    const client = await openaiClient(llmlb);
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["openai:gpt-4o-mini"]);

    const whole = await client.chat.completions.create({
      model: "openai:gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(whole.model).toBe("openai:gpt-4o-mini");
    const sent = upstream.requests.find((request) => request.path === "/v1/chat/completions");
    expect(JSON.parse(sent?.body ?? "{}").model).toBe("gpt-4o-mini");
    expect(sent?.headers.authorization).toBe("Bearer sk-cloud");

    let text = "";
    for await (const chunk of await client.chat.completions.create({
      model: "openai:gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    })) {
      expect(chunk.model).toBe("openai:gpt-4o-mini");
      text += chunk.choices[0]?.delta?.content ?? "";
    }
    expect(text.length).toBeGreaterThan(0);
    expect(records.map((record) => [record.status, record.endpoint_model, record.output_tokens > 0])).toEqual(
      [
        ["success", "gpt-4o-mini", true],
        ["success", "gpt-4o-mini", true],
      ],
    );
  });

  it("routes google:… to Google's OpenAI-compatible surface (no /v1, `models/` ids stripped)", async () => {
    const llmlb = await app();
    const google = await startFakeGoogle("g-key");
    servers.push(google);
    await registerEndpoint(llmlb, "gemini", `${google.url}/v1beta/openai`, {
      endpoint_type: "google",
      api_key: "g-key",
    });
    const client = await openaiClient(llmlb);
    const whole = await client.chat.completions.create({
      model: "google:gemini-2.5-flash",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(whole.choices[0]?.message.content).toBe("Gemini heard: hello");
    expect(whole.model).toBe("google:gemini-2.5-flash");
    let text = "";
    for await (const chunk of await client.chat.completions.create({
      model: "google:gemini-2.5-flash",
      messages: [{ role: "user", content: "again" }],
      stream: true,
      stream_options: { include_usage: true },
    })) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) expect(chunk.usage.completion_tokens).toBe(4);
    }
    expect(text).toBe("Gemini heard: again");
  });

  it("translates chat completions for an anthropic endpoint: text, stream with usage, tool calls", async () => {
    const llmlb = await app();
    const claude = await startFakeAnthropic("sk-ant");
    servers.push(claude);
    await registerEndpoint(llmlb, "claude", claude.url, { endpoint_type: "anthropic", api_key: "sk-ant" });
    const records = captureCompletions(llmlb);
    const client = await openaiClient(llmlb);
    const model = "anthropic:claude-sonnet-4-5";

    const whole = await client.chat.completions.create({
      model,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
    });
    expect(whole.choices[0]?.message.content).toBe(claudeWords("hi").join(""));
    expect(whole.choices[0]?.finish_reason).toBe("stop");
    expect(whole.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5 });
    const sent = JSON.parse(claude.requests.find((r) => r.path === "/v1/messages")?.body ?? "{}");
    expect(sent).toMatchObject({ model: "claude-sonnet-4-5", system: "Be brief.", max_tokens: 4096 });
    expect(sent.messages).toEqual([{ role: "user", content: "hi" }]);

    let text = "";
    let usage: unknown = null;
    for await (const chunk of await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "stream it" }],
      stream: true,
      stream_options: { include_usage: true },
    })) {
      text += chunk.choices[0]?.delta?.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(claudeWords("stream it").join(""));
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5 });

    const tools = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "weather?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    });
    expect(tools.choices[0]?.finish_reason).toBe("tool_calls");
    expect(tools.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: "toolu_01",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    });
    expect(records.map((record) => [record.api_kind, record.input_tokens, record.output_tokens])).toEqual([
      ["chat_completions", 12, 5],
      ["chat_completions", 12, 5],
      ["chat_completions", 12, 5],
    ]);
  });

  it("passes /v1/messages through to an anthropic endpoint (whole and streamed, tools included)", async () => {
    const llmlb = await app();
    const claude = await startFakeAnthropic("sk-ant");
    servers.push(claude);
    await registerEndpoint(llmlb, "claude", claude.url, { endpoint_type: "anthropic", api_key: "sk-ant" });
    const records = captureCompletions(llmlb);
    const client = new Anthropic({ baseURL: llmlb.url, apiKey: await llmlb.inferenceKey(), maxRetries: 0 });
    const model = "anthropic:claude-sonnet-4-5";
    const message = await client.messages.create({
      model,
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
      tools: [{ name: "get_weather", input_schema: { type: "object" } }],
    });
    expect(message.model).toBe(model);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content[1]).toMatchObject({
      type: "tool_use",
      name: "get_weather",
      input: { city: "Paris" },
    });
    const sent = JSON.parse(claude.requests.find((r) => r.path.startsWith("/v1/messages"))?.body ?? "{}");
    expect(sent).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
      tools: [{ name: "get_weather", input_schema: { type: "object" } }],
    });
    const stream = client.messages.stream({
      model,
      max_tokens: 50,
      messages: [{ role: "user", content: "go" }],
    });
    let text = "";
    stream.on("text", (delta) => {
      text += delta;
    });
    const final = await stream.finalMessage();
    expect(text).toBe(claudeWords("go").join(""));
    expect(final.usage.output_tokens).toBe(5);
    expect(records.map((record) => [record.api_kind, record.input_tokens, record.output_tokens])).toEqual([
      ["messages", 12, 5],
      ["messages", 12, 5],
    ]);
  });

  it("refuses a cloud registration without a key and names an unregistered provider prefix", async () => {
    const llmlb = await app();
    const response = await fetch(`${llmlb.url}/api/endpoints`, {
      method: "POST",
      headers: { ...(await llmlb.adminHeaders()), "content-type": "application/json" },
      body: JSON.stringify({ name: "o", endpoint_type: "openai" }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("api_key_required");
    const client = await openaiClient(llmlb);
    const error = (await client.chat.completions
      .create({ model: "google:gemini-x", messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught)) as { status: number; code: string; message: string };
    expect(error.status).toBe(404);
    expect(error.code).toBe("model_not_found");
    expect(error.message).toContain("'google:'");
    expect(error.message).toContain("no google endpoint");
  });
});
