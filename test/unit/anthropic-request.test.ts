// The Messages → chat completions request translation, as an agent loop sends it.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { promptText } from "../../src/anthropic/prompt-text.js";
import { MessagesRequestSchema } from "../../src/anthropic/request-schema.js";
import { toChatRequest } from "../../src/anthropic/to-chat-request.js";
import { AppError } from "../../src/errors.js";

const parse = (body: unknown) => v.parse(MessagesRequestSchema, body);
const target = { model: "qwen2.5:7b-instruct", topK: true };

const tools = [
  {
    name: "get_weather",
    description: "Weather for a city",
    input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
  { name: "get_time", input_schema: { type: "object", properties: { tz: { type: "string" } } } },
];

describe("Messages request → chat completions", () => {
  it("maps system blocks, sampling fields, stop sequences, metadata and streaming", () => {
    const chat = toChatRequest(
      parse({
        model: "claude-x",
        max_tokens: 256,
        system: [
          { type: "text", text: "You are terse." },
          { type: "text", text: "Answer in English.", cache_control: { type: "ephemeral" } },
        ],
        messages: [{ role: "user", content: "Hi" }],
        stop_sequences: ["END", "\n\nHuman:"],
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        metadata: { user_id: "u-1" },
        stream: true,
        thinking: { type: "enabled", budget_tokens: 1024 },
      }),
      target,
    );
    expect(chat).toEqual({
      model: "qwen2.5:7b-instruct",
      messages: [
        { role: "system", content: "You are terse.\n\nAnswer in English." },
        { role: "user", content: "Hi" },
      ],
      max_tokens: 256,
      stream: true,
      stream_options: { include_usage: true },
      stop: ["END", "\n\nHuman:"],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      user: "u-1",
    });
  });

  it("leaves top_k out for a backend that rejects it", () => {
    const chat = toChatRequest(
      parse({ model: "m", max_tokens: 5, top_k: 3, messages: [{ role: "user", content: "x" }] }),
      { model: "gpt-4o-mini", topK: false },
    );
    expect(chat).not.toHaveProperty("top_k");
  });

  it("carries a two-tool turn and its results through an agent loop", () => {
    const chat = toChatRequest(
      parse({
        model: "m",
        max_tokens: 100,
        tools,
        tool_choice: { type: "auto", disable_parallel_tool_use: false },
        messages: [
          { role: "user", content: "Weather and time in Paris?" },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "two tools", signature: "sig" },
              { type: "text", text: "Checking." },
              { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
              { type: "tool_use", id: "toolu_2", name: "get_time", input: { tz: "Europe/Paris" } },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_1", content: "18°C, cloudy" },
              {
                type: "tool_result",
                tool_use_id: "toolu_2",
                content: [{ type: "text", text: "14:05" }],
                is_error: false,
              },
              { type: "text", text: "Be brief." },
            ],
          },
        ],
      }),
      target,
    );
    expect(chat.messages).toEqual([
      { role: "user", content: "Weather and time in Paris?" },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          {
            id: "toolu_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          {
            id: "toolu_2",
            type: "function",
            function: { name: "get_time", arguments: '{"tz":"Europe/Paris"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "18°C, cloudy" },
      { role: "tool", tool_call_id: "toolu_2", content: "14:05" },
      { role: "user", content: "Be brief." },
    ]);
    expect(chat.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather for a city",
          parameters: tools[0]?.input_schema,
        },
      },
      { type: "function", function: { name: "get_time", parameters: tools[1]?.input_schema } },
    ]);
    expect(chat.tool_choice).toBe("auto");
  });

  it("maps every tool_choice, and disable_parallel_tool_use", () => {
    const base = { model: "m", max_tokens: 9, tools, messages: [{ role: "user", content: "x" }] };
    expect(toChatRequest(parse({ ...base, tool_choice: { type: "any" } }), target).tool_choice).toBe(
      "required",
    );
    expect(toChatRequest(parse({ ...base, tool_choice: { type: "none" } }), target).tool_choice).toBe("none");
    const forced = toChatRequest(
      parse({ ...base, tool_choice: { type: "tool", name: "get_time", disable_parallel_tool_use: true } }),
      target,
    );
    expect(forced.tool_choice).toEqual({ type: "function", function: { name: "get_time" } });
    expect(forced.parallel_tool_calls).toBe(false);
  });

  it("sends images as image_url parts (base64 as a data URL), and tool errors marked", () => {
    const chat = toChatRequest(
      parse({
        model: "m",
        max_tokens: 9,
        messages: [
          {
            role: "user",
            content: [
              { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
              { type: "image", source: { type: "url", url: "https://example.test/cat.jpg" } },
              { type: "text", text: "What is shown?" },
            ],
          },
          { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "get_time", input: {} }] },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: "t1", content: "no such zone", is_error: true }],
          },
        ],
      }),
      target,
    );
    expect(chat.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://example.test/cat.jpg" } },
          { type: "text", text: "What is shown?" },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "t1", type: "function", function: { name: "get_time", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "t1", content: "Error: no such zone" },
    ]);
  });

  it("refuses what a chat backend cannot run with a 400 instead of dropping it", () => {
    const messages = [{ role: "user", content: "x" }];
    const server = {
      model: "m",
      max_tokens: 9,
      messages,
      tools: [{ type: "web_search_20250305", name: "web_search" }],
    };
    expect(() => toChatRequest(parse(server), target)).toThrow(/server tool/);
    const unknownTool = {
      model: "m",
      max_tokens: 9,
      messages,
      tools,
      tool_choice: { type: "tool", name: "nope" },
    };
    expect(() => toChatRequest(parse(unknownTool), target)).toThrow(/not in tools/);
    const noTools = { model: "m", max_tokens: 9, messages, tool_choice: { type: "any" } };
    try {
      toChatRequest(parse(noTools), target);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
    }
  });

  it("rejects a body without max_tokens or messages", () => {
    expect(
      v.safeParse(MessagesRequestSchema, { model: "m", messages: [{ role: "user", content: "x" }] }).success,
    ).toBe(false);
    expect(v.safeParse(MessagesRequestSchema, { model: "m", max_tokens: 1, messages: [] }).success).toBe(
      false,
    );
  });

  it("counts every part of a prompt for count_tokens", () => {
    const text = promptText(
      parse({
        model: "m",
        max_tokens: 1,
        system: "sys",
        tools,
        messages: [
          { role: "user", content: "question" },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "a", name: "get_time", input: { tz: "UTC" } }],
          },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "a", content: "12:00" }] },
        ],
      }),
    );
    for (const piece of ["sys", "question", '"tz":"UTC"', "12:00", "Weather for a city"])
      expect(text).toContain(piece);
  });
});
