// The Messages translation run in reverse (for `anthropic` endpoints), checked against the forward
// translator: a Messages request → chat → Messages comes back equal, a chat completion → message → chat
// keeps its text, tool calls, finish reason and usage, and a chat stream → Anthropic events (forward) →
// chat chunks (reverse) rebuilds the same answer, in pieces of every size.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { fromChatRequest } from "../../src/anthropic/from-chat-request.js";
import { MessagesRequestSchema } from "../../src/anthropic/request-schema.js";
import { SseTranslate } from "../../src/anthropic/sse-translate.js";
import { StreamTranslator } from "../../src/anthropic/stream-translator.js";
import { toChatCompletion, toOpenAiError } from "../../src/anthropic/to-chat-completion.js";
import { toChatRequest } from "../../src/anthropic/to-chat-request.js";
import { toAnthropicMessage } from "../../src/anthropic/to-message.js";
import { streamChunks } from "../../src/anthropic/upstream.js";
import { AppError } from "../../src/errors.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

const AGENT_TURN = {
  model: "claude-x",
  max_tokens: 300,
  system: "You are terse.",
  temperature: 0.2,
  stop_sequences: ["###"],
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "What is in this picture, and the weather?" },
        { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
      ],
    },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18°C" }] },
  ],
  tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object" } }],
  tool_choice: { type: "any" },
};

describe("chat request → Messages request (reverse of toChatRequest)", () => {
  it("round-trips an agent turn with system, image, tool use and tool result", () => {
    const forward = toChatRequest(v.parse(MessagesRequestSchema, AGENT_TURN), {
      model: "claude-x",
      topK: false,
    });
    const back = fromChatRequest(forward as unknown as Record<string, unknown>, "claude-x");
    expect(back).toEqual(AGENT_TURN);
  });

  it("fills max_tokens, maps stop strings, tool_choice and parallel_tool_calls", () => {
    const request = fromChatRequest(
      {
        messages: [
          { role: "developer", content: "Rules." },
          { role: "user", content: "a" },
          { role: "user", content: [{ type: "image_url", image_url: { url: "https://x/cat.png" } }] },
        ],
        stop: "END",
        tools: [{ type: "function", function: { name: "f" } }],
        tool_choice: { type: "function", function: { name: "f" } },
        parallel_tool_calls: false,
        user: "u1",
      },
      "m",
    );
    expect(request).toEqual({
      model: "m",
      max_tokens: 4096,
      system: "Rules.",
      stop_sequences: ["END"],
      metadata: { user_id: "u1" },
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "image", source: { type: "url", url: "https://x/cat.png" } },
          ],
        },
      ],
      tools: [{ name: "f", input_schema: { type: "object" } }],
      tool_choice: { type: "tool", name: "f", disable_parallel_tool_use: true },
    });
  });

  it("refuses what the Messages API cannot take with a 400 naming the field", () => {
    const bad = () =>
      fromChatRequest({ messages: [{ role: "user", content: [{ type: "input_audio" }] }] }, "m");
    expect(bad).toThrow(AppError);
    expect(bad).toThrow(/only text and image_url/);
    expect(() => fromChatRequest({ messages: [{ role: "function", content: "x" }] }, "m")).toThrow(/role/);
  });
});

const TOOL_CALLS = [{ id: "call_1", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }];

describe("Messages answer → chat completion (reverse of toAnthropicMessage)", () => {
  it("round-trips text, tool calls, finish reasons and usage", () => {
    for (const finish of ["stop", "length", "tool_calls"]) {
      const completion = {
        choices: [
          {
            index: 0,
            finish_reason: finish,
            message: { content: "Checking.", ...(finish === "tool_calls" && { tool_calls: TOOL_CALLS }) },
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 20 },
      };
      const message = toAnthropicMessage(completion, {
        id: "msg_1",
        model: "claude-x",
        stopSequences: [],
        fallbackUsage: () => ({ input: 0, output: 0 }),
        inputEstimate: 0,
      });
      const back = toChatCompletion(message as unknown as Record<string, unknown>, {
        id: "chatcmpl-1",
        created: 7,
      });
      expect(back).toEqual({
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 7,
        model: "claude-x",
        choices: [
          {
            index: 0,
            finish_reason: finish,
            message: {
              role: "assistant",
              content: "Checking.",
              ...(finish === "tool_calls" && {
                tool_calls: TOOL_CALLS.map((call) => ({ ...call, type: "function" })),
              }),
            },
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 },
      });
    }
  });

  it("turns an Anthropic error into the OpenAI error shape", () => {
    expect(
      toOpenAiError({ type: "error", error: { type: "overloaded_error", message: "busy" } }, 529),
    ).toEqual({
      error: { message: "busy", type: "overloaded_error", code: null },
    });
    expect(toOpenAiError("nope", 500).error).toMatchObject({ message: "The upstream answered 500" });
  });
});

const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const chunk = (delta: object, finish: string | null = null) =>
  data({
    id: "c",
    object: "chat.completion.chunk",
    model: "m",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

/** A local backend's chat stream: text, then a tool call in fragments, then usage. */
const CHAT_STREAM = [
  chunk({ role: "assistant", content: "" }),
  chunk({ content: "Héllo" }),
  chunk({ content: " wörld" }),
  chunk({ tool_calls: [{ index: 0, id: "call_9", function: { name: "get_time", arguments: '{"tz":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"UTC"}' } }] }),
  chunk({}, "tool_calls"),
  data({
    id: "c",
    object: "chat.completion.chunk",
    model: "m",
    choices: [],
    usage: { prompt_tokens: 9, completion_tokens: 6 },
  }),
  "data: [DONE]\n\n",
].join("");

async function* pieces(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("Anthropic stream → chat chunks (reverse of the stream translator)", () => {
  it("rebuilds the same text, tool call, finish reason and usage for every piece size", async () => {
    const sse = new SseTranslate(
      new StreamTranslator({
        id: "msg_s",
        model: "claude-x",
        stopSequences: [],
        fallbackUsage: () => ({ input: 0, output: 0 }),
        inputEstimate: 1,
      }),
      () => undefined,
    );
    const anthropic =
      dec.decode(sse.push(enc.encode(CHAT_STREAM)) ?? new Uint8Array()) +
      dec.decode(sse.finish() ?? new Uint8Array());
    for (const size of [1, 3, 17, 4096]) {
      let out = "";
      for await (const piece of streamChunks(pieces(enc.encode(anthropic), size), {
        id: "chatcmpl-s",
        created: 1,
      })) {
        out += dec.decode(piece);
      }
      expect(out.endsWith("data: [DONE]\n\n")).toBe(true);
      const chunks = out
        .split("\n\n")
        .filter((line) => line.startsWith("data: {"))
        .map((line) => JSON.parse(line.slice(6)));
      let text = "";
      let args = "";
      let finish: unknown = null;
      let usage: unknown = null;
      for (const value of chunks) {
        const delta = value.choices[0]?.delta ?? {};
        text += delta.content ?? "";
        args += delta.tool_calls?.[0]?.function?.arguments ?? "";
        if (delta.tool_calls?.[0]?.id)
          expect(delta.tool_calls[0]).toMatchObject({ id: "call_9", function: { name: "get_time" } });
        finish = value.choices[0]?.finish_reason ?? finish;
        usage = value.usage ?? usage;
      }
      expect(text).toBe("Héllo wörld");
      expect(args).toBe('{"tz":"UTC"}');
      expect(finish).toBe("tool_calls");
      expect(usage).toEqual({ prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 });
    }
  });
});
