// /v1/messages end to end with the official Anthropic SDK in front of vLLM-, Ollama- and llama.cpp-style
// backends: create, stream (text, thinking, input_json_delta), a two-tool agent loop, stop sequences,
// images, count_tokens, and a request shaped like Claude Code's.
import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { type AnthropicSetup, setupAnthropic } from "../fixtures/anthropic-harness.js";
import { PROMPT_TOKENS, STORY } from "../fixtures/fake-agent.js";
import type { ServerKind } from "../fixtures/fake-servers.js";
import { eventually } from "../fixtures/proxy-harness.js";

const TOOLS: Anthropic.Tool[] = [
  {
    name: "get_weather",
    description: "Current weather for a city",
    input_schema: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } } },
  },
  {
    name: "get_time",
    description: "Current time in a time zone",
    input_schema: { type: "object", properties: { tz: { type: "string" } } },
  },
];

const RESULTS: Record<string, string> = { get_weather: "18°C and cloudy", get_time: "14:05" };

describe("Anthropic Messages API", () => {
  let setup: AnthropicSetup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  it("answers messages.create with text, usage and end_turn, recorded as api_kind messages", async () => {
    setup = await setupAnthropic("vllm");
    const message = await setup.client.messages.create({
      model: "writer",
      max_tokens: 200,
      system: "You tell stories.",
      messages: [{ role: "user", content: "A story, please." }],
    });
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "writer",
      content: [{ type: "text", text: STORY }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: PROMPT_TOKENS, output_tokens: 11, cache_read_input_tokens: 0 },
    });
    expect(message.id).toMatch(/^msg_/);
    const sent = JSON.parse(setup.server.requests.at(-1)?.body ?? "{}");
    expect(sent.messages[0]).toEqual({ role: "system", content: "You tell stories." });
    const records = setup.records;
    await eventually(() => records.length === 1);
    expect(records[0]).toMatchObject({
      api_kind: "messages",
      status: "success",
      output_tokens: 11,
      estimated: false,
    });
  });

  it.each<ServerKind>(["vllm", "ollama", "llamacpp"])(
    "runs a two-tool agent loop, streamed with input_json_delta, on a %s-style backend",
    async (kind) => {
      setup = await setupAnthropic(kind);
      const client = setup.client;
      const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Weather and time in Paris?" }];
      const stream = client.messages.stream({ model: "agent", max_tokens: 300, tools: TOOLS, messages });
      const jsonDeltas: string[] = [];
      stream.on("inputJson", (partial) => jsonDeltas.push(partial));
      const first = await stream.finalMessage();
      expect(first.stop_reason).toBe("tool_use");
      expect(first.content).toEqual([
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "call_w1", name: "get_weather", input: { city: "Paris", unit: "celsius" } },
        { type: "tool_use", id: "call_t2", name: "get_time", input: { tz: "Europe/Paris" } },
      ]);
      expect(jsonDeltas.length).toBeGreaterThanOrEqual(2);
      if (kind !== "ollama") expect(jsonDeltas.length).toBeGreaterThan(4); // fragments arrive one by one

      messages.push({ role: "assistant", content: first.content });
      messages.push({
        role: "user",
        content: first.content
          .filter((block) => block.type === "tool_use")
          .map((block) => ({
            type: "tool_result" as const,
            tool_use_id: block.id,
            content: RESULTS[block.name] ?? "",
          })),
      });
      const second = await client.messages.create({
        model: "agent",
        max_tokens: 300,
        tools: TOOLS,
        messages,
      });
      expect(second.content).toEqual([{ type: "text", text: "Paris: 18°C and cloudy; 14:05." }]);
      expect(second.stop_reason).toBe("end_turn");
      const sent = JSON.parse(setup.server.requests.at(-1)?.body ?? "{}");
      expect(sent.messages.slice(1).map((m: { role: string }) => m.role)).toEqual([
        "assistant",
        "tool",
        "tool",
      ]);
      expect(sent.messages[1].tool_calls.map((c: { id: string }) => c.id)).toEqual(["call_w1", "call_t2"]);
    },
  );

  it("streams events in Anthropic's order, text as it comes, with the final text from finalMessage()", async () => {
    setup = await setupAnthropic("vllm");
    const stream = setup.client.messages.stream({
      model: "writer",
      max_tokens: 200,
      messages: [{ role: "user", content: "Go" }],
    });
    const types: string[] = [];
    stream.on("streamEvent", (event) => types.push(event.type));
    let text = "";
    stream.on("text", (delta) => {
      text += delta;
    });
    const final = await stream.finalMessage();
    expect(text).toBe(STORY);
    expect(final.content).toEqual([{ type: "text", text: STORY }]);
    expect(final.usage.output_tokens).toBe(11);
    const deltas = types.filter((type) => type === "content_block_delta").length;
    expect(deltas).toBe(11);
    expect(types.filter((type) => type !== "content_block_delta")).toEqual([
      "message_start",
      // The SDK does not surface `ping` (the raw sequence is checked in the Claude Code test below).
      "content_block_start",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it("reports the matched stop sequence and max_tokens", async () => {
    setup = await setupAnthropic("vllm");
    const stopped = await setup.client.messages.create({
      model: "writer",
      max_tokens: 200,
      stop_sequences: ["NOT THERE", "THE END"],
      messages: [{ role: "user", content: "Go" }],
    });
    expect(stopped).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "THE END" });
    expect(stopped.content).toEqual([{ type: "text", text: "Once upon a time — café ☕. " }]);
    const streamed = await setup.client.messages
      .stream({
        model: "writer",
        max_tokens: 200,
        stop_sequences: ["THE END"],
        messages: [{ role: "user", content: "Go" }],
      })
      .finalMessage();
    expect(streamed).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "THE END" });
    const cut = await setup.client.messages.create({
      model: "writer",
      max_tokens: 3,
      messages: [{ role: "user", content: "Go" }],
    });
    expect(cut).toMatchObject({
      stop_reason: "max_tokens",
      content: [{ type: "text", text: "Once upon a" }],
    });
  });

  it("turns reasoning into a thinking block, streamed and whole", async () => {
    setup = await setupAnthropic("llamacpp");
    const request = {
      model: "thinker",
      max_tokens: 100,
      thinking: { type: "enabled" as const, budget_tokens: 1024 },
      messages: [{ role: "user" as const, content: "6 × 7?" }],
    };
    const expected = [
      { type: "thinking", thinking: "6 × 7 is 42.", signature: "" },
      { type: "text", text: "42" },
    ];
    expect((await setup.client.messages.create(request)).content).toEqual(expected);
    const stream = setup.client.messages.stream(request);
    const thinking: string[] = [];
    stream.on("thinking", (delta) => thinking.push(delta));
    expect((await stream.finalMessage()).content).toEqual(expected);
    expect(thinking.join("")).toBe("6 × 7 is 42.");
  });

  it("sends base64 and URL images as image_url parts", async () => {
    setup = await setupAnthropic("ollama");
    const message = await setup.client.messages.create({
      model: "picture",
      max_tokens: 50,
      messages: [
        {
          role: "user",
          content: [
            {
              type: "image",
              source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgoAAAANSUhEUg==" },
            },
            { type: "image", source: { type: "url", url: "https://images.test/cat.jpg" } },
            { type: "text", text: "What do you see?" },
          ],
        },
      ],
    });
    expect(message.content).toEqual([
      { type: "text", text: "I see 2 images: data:image/png;base64,i | https://images.test/cat" },
    ]);
  });

  it("counts tokens with llama.cpp's /tokenize, else with the estimator", async () => {
    setup = await setupAnthropic("llamacpp");
    const counted = await setup.client.messages.countTokens({
      model: "writer",
      system: "one two",
      messages: [{ role: "user", content: "three four five" }],
    });
    expect(counted).toEqual({ input_tokens: 5 });
    expect(setup.server.requests.some((request) => request.path === "/tokenize")).toBe(true);
    await setup.close();

    setup = await setupAnthropic("ollama");
    const estimated = await setup.client.messages.countTokens({
      model: "writer",
      messages: [{ role: "user", content: "three four five" }],
    });
    expect(estimated.input_tokens).toBeGreaterThanOrEqual(3);
    expect(setup.server.requests.some((request) => request.path === "/tokenize")).toBe(false);
  });

  it("serves a request shaped like Claude Code's (?beta=true, anthropic headers, x-api-key, streamed tools)", async () => {
    setup = await setupAnthropic("vllm");
    const response = await fetch(`${setup.app.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: {
        "x-api-key": await setup.app.inferenceKey(),
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
        "content-type": "application/json",
      },
      body: JSON.stringify({
        model: "agent",
        max_tokens: 32000,
        stream: true,
        system: [
          { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
          { type: "text", text: "Be concise." },
        ],
        tools: TOOLS,
        metadata: { user_id: "user_abc_session_1" },
        messages: [
          {
            role: "user",
            content: [{ type: "text", text: "Weather and time?", cache_control: { type: "ephemeral" } }],
          },
        ],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    const blocks = ["content_block_start", "content_block_delta", "content_block_stop"];
    // One text block ("Let me check."), then one tool_use block per call with its argument fragments.
    const order = events.filter(
      (event, i) => !(event === "content_block_delta" && events[i - 1] === "content_block_delta"),
    );
    expect(order).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      ...blocks.slice(1),
      ...blocks,
      ...blocks,
      "message_delta",
      "message_stop",
    ]);
    expect(text).toContain('"type":"input_json_delta"');
    // message_start guesses input tokens from the prompt; message_delta carries the backend's count.
    const start = JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? "{}");
    expect(start.message.usage.input_tokens).toBeGreaterThan(10);
    expect(text).toContain(`"usage":{"input_tokens":${PROMPT_TOKENS},`);
    const sent = JSON.parse(setup.server.requests.at(-1)?.body ?? "{}");
    expect(sent).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      user: "user_abc_session_1",
    });
    expect(sent.messages[0]).toEqual({ role: "system", content: "You are Claude Code.\n\nBe concise." });
  });
});
