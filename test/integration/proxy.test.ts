import { afterEach, describe, expect, it } from "vitest";
import {
  EMBEDDING,
  generatedText,
  type InferenceServer,
  type ModelScript,
  startInferenceServer,
} from "../fixtures/fake-inference.js";
import type { ServerKind } from "../fixtures/fake-servers.js";
import { captureCompletions, eventually, openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("OpenAI-compatible proxy", () => {
  let app: TestApp | undefined;
  const servers: InferenceServer[] = [];
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const server of servers.splice(0)) await server.stop();
  });

  async function setup(
    kind: ServerKind,
    models: string[],
    scripts: Record<string, ModelScript> = {},
    env: Record<string, string> = {},
    endpoint: Record<string, unknown> = {},
  ) {
    app = await startTestApp({ env });
    const server = await startInferenceServer(kind, { models, scripts });
    servers.push(server);
    const id = await registerEndpoint(app, `${kind}-${servers.length}`, server.url, endpoint);
    return { app, server, id, client: await openaiClient(app), records: captureCompletions(app) };
  }

  it("relays chat, completions, embeddings and Responses calls, streamed and not", async () => {
    const { client, records } = await setup("vllm", ["m"]);
    const chat = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 5,
    });
    expect(chat.choices[0]?.message.content).toBe(generatedText(5));
    expect(chat.model).toBe("m");
    expect(chat.usage?.completion_tokens).toBe(5);

    const completion = await client.completions.create({ model: "m", prompt: "hi", max_tokens: 4 });
    expect(completion.choices[0]?.text).toBe(generatedText(4));

    const embedding = await client.embeddings.create({ model: "m", input: ["a", "b"] });
    expect(embedding.data).toHaveLength(2);
    expect(embedding.data[0]?.embedding).toEqual(EMBEDDING);

    const response = await client.responses.create({ model: "m", input: "hi", max_output_tokens: 3 });
    expect(response.output_text).toBe(generatedText(3));

    let streamedChat = "";
    for await (const chunk of await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 6,
      stream: true,
    })) {
      streamedChat += chunk.choices[0]?.delta?.content ?? "";
    }
    expect(streamedChat).toBe(generatedText(6));

    let streamedText = "";
    for await (const chunk of await client.completions.create({
      model: "m",
      prompt: "hi",
      max_tokens: 3,
      stream: true,
    })) {
      streamedText += chunk.choices[0]?.text ?? "";
    }
    expect(streamedText).toBe(generatedText(3));

    let streamedResponse = "";
    for await (const event of await client.responses.create({
      model: "m",
      input: "hi",
      max_output_tokens: 4,
      stream: true,
    })) {
      if (event.type === "response.output_text.delta") streamedResponse += event.delta;
    }
    expect(streamedResponse).toBe(generatedText(4));

    await eventually(() => records.length === 7);
    expect(
      records.map((record) => [record.api_kind, record.stream, record.status, record.output_tokens]),
    ).toEqual([
      ["chat_completions", false, "success", 5],
      ["completions", false, "success", 4],
      ["embeddings", false, "success", 0],
      ["responses", false, "success", 3],
      ["chat_completions", true, "success", 6],
      ["completions", true, "success", 3],
      ["responses", true, "success", 4],
    ]);
    expect(records.every((record) => !record.estimated && record.input_tokens === 11)).toBe(true);
    expect(records.every((record) => record.ttft_ms !== null && record.duration_ms >= record.ttft_ms)).toBe(
      true,
    );
  });

  it("delivers stream chunks as they are produced, not all at the end", async () => {
    const { client, server } = await setup("vllm", ["m"], { m: { stallAfterTokens: 3, outputTokens: 10 } });
    const stream = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const received: string[] = [];
    for await (const chunk of stream) {
      received.push(chunk.choices[0]?.delta?.content ?? "");
      // The upstream has sent 3 of 10 tokens and is silent: these arrived while the stream is still open.
      if (received.length === 3) break;
    }
    expect(received).toEqual(["w0 ", "w1 ", "w2 "]);
    expect(server.requests.at(-1)?.path).toBe("/v1/chat/completions");
  });

  it.each([
    ["usage", { usage: "openai" }],
    ["Ollama eval counts", { usage: "ollama" }],
    ["llama.cpp timings", { usage: "llamacpp" }],
  ] as const)("records streamed tokens exactly from %s", async (_label, script) => {
    const { client, records } = await setup("openai", ["m"], { m: { ...script, promptTokens: 13 } });
    for await (const _ of await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 9,
      stream: true,
    })) {
      // drain
    }
    await eventually(() => records.length === 1);
    expect(records[0]).toMatchObject({ output_tokens: 9, input_tokens: 13, estimated: false, stream: true });
  });

  it("estimates tokens only when the upstream reports none, and flags the estimate", async () => {
    const { client, records } = await setup("openai", ["m"], { m: { usage: "none" } });
    for await (const _ of await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Tell me a story about a fox." }],
      max_tokens: 12,
      stream: true,
    })) {
      // drain
    }
    await eventually(() => records.length === 1);
    expect(records[0]?.estimated).toBe(true);
    expect(records[0]?.output_tokens).toBeGreaterThanOrEqual(12);
    expect(records[0]?.input_tokens).toBeGreaterThan(0);
  });

  it("hides the injected usage chunk from a client that did not ask for it and shows it to one that did", async () => {
    const { app, server } = await setup("vllm", ["m"]);
    const raw = async (body: Record<string, unknown>) => {
      const response = await fetch(`${app.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${await app.inferenceKey()}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "m",
          messages: [{ role: "user", content: "hi" }],
          max_tokens: 3,
          stream: true,
          ...body,
        }),
      });
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      return response.text();
    };
    const hidden = await raw({});
    expect(JSON.parse(server.requests.at(-1)?.body ?? "{}").stream_options).toEqual({ include_usage: true });
    expect(hidden).not.toContain('"usage"');
    expect(hidden).toContain("data: [DONE]");
    const shown = await raw({ stream_options: { include_usage: true } });
    expect(shown).toContain('"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3');
    // Apart from the usage chunk, the client's bytes are the upstream's.
    expect(shown.replace(/data: \{[^\n]*"choices":\[\],"usage"[^\n]*\n\n/, "")).toBe(hidden);
  });

  it("rewrites the model to the endpoint's own id upstream and back for the client", async () => {
    const { client, server, records } = await setup("ollama", ["llama3:latest"]);
    const chat = await client.chat.completions.create({
      model: "llama3",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(JSON.parse(server.requests.at(-1)?.body ?? "{}").model).toBe("llama3:latest");
    expect(chat.model).toBe("llama3");
    const models: string[] = [];
    for await (const chunk of await client.chat.completions.create({
      model: "llama3",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    })) {
      models.push(chunk.model);
    }
    expect(new Set(models)).toEqual(new Set(["llama3"]));
    await eventually(() => records.length === 2);
    expect(records[0]).toMatchObject({ model: "llama3", endpoint_model: "llama3:latest" });
  });

  it("answers bad requests in the OpenAI error shape: 400, 404, 413", async () => {
    const { app, records } = await setup("vllm", ["m"], {}, { LLMLB_MAX_BODY_BYTES: "2048" });
    const post = async (body: string) => {
      const response = await fetch(`${app.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${await app.inferenceKey()}`, "content-type": "application/json" },
        body,
      });
      return {
        status: response.status,
        body: (await response.json()) as { error: { code: string; param?: string } },
      };
    };
    expect(await post("{not json")).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
    expect(await post('{"messages":[]}')).toMatchObject({ status: 400, body: { error: { param: "model" } } });
    expect(await post('{"model":"m","stream":"yes"}')).toMatchObject({
      status: 400,
      body: { error: { param: "stream" } },
    });
    const unknown = await post('{"model":"nope","messages":[]}');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "model_not_found" } } });
    const big = await post(
      JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(4096) }] }),
    );
    expect(big.status).toBe(413);
    expect(records.map((record) => [record.model, record.status_code])).toEqual([["nope", 404]]);
  });

  it("relays an upstream 4xx unchanged without counting it against the endpoint", async () => {
    const { client, app, id } = await setup(
      "vllm",
      ["m"],
      { m: { failStatus: 422 } },
      { LLMLB_CIRCUIT_FAILURE_THRESHOLD: "1" },
    );
    await expect(client.chat.completions.create({ model: "m", messages: [] })).rejects.toMatchObject({
      status: 422,
      error: { message: "scripted failure" },
    });
    expect(app.composition.deps.circuits.circuitState(id)).toBe("closed");
  });

  it("answers 502 when the only endpoint is unreachable and 504 when it stops answering", async () => {
    const { client, server, records } = await setup(
      "vllm",
      ["m"],
      { m: { hang: true } },
      {},
      { inference_timeout_secs: 1 },
    );
    await expect(client.chat.completions.create({ model: "m", messages: [] })).rejects.toMatchObject({
      status: 504,
      error: { code: "upstream_timeout" },
    });
    await server.stop();
    await expect(client.chat.completions.create({ model: "m", messages: [] })).rejects.toMatchObject({
      status: 502,
      error: { code: "upstream_unreachable" },
    });
    expect(records.map((record) => record.status_code)).toEqual([504, 502]);
  });

  it("aborts the upstream when the client goes away mid-stream and records the partial tokens", async () => {
    const { app, client, id, records } = await setup("vllm", ["m"], {
      m: { stallAfterTokens: 4, outputTokens: 50 },
    });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "m", messages: [{ role: "user", content: "hi" }], stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const _ of stream) if (++seen === 4) controller.abort();
    } catch {
      // the SDK may surface the abort as an error or just end the iteration
    }
    expect(seen).toBe(4);
    await eventually(() => records.length === 1);
    expect(records[0]).toMatchObject({ status: "error", error: "client disconnected", estimated: true });
    expect(records[0]?.output_tokens).toBeGreaterThanOrEqual(4);
    expect(app.composition.deps.liveLoad.inFlight(id)).toBe(0);
  });
});
