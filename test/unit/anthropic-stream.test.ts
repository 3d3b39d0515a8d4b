// The streaming translation against chunk sequences shaped like real backends' (vLLM, llama.cpp, Ollama),
// fed in pieces of every size so lines and UTF-8 characters straddle chunks.
import { describe, expect, it } from "vitest";
import { SseTranslate } from "../../src/anthropic/sse-translate.js";
import { StreamTranslator } from "../../src/anthropic/stream-translator.js";
import type { MessageContext } from "../../src/anthropic/to-message.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

const context = (stopSequences: string[] = []): MessageContext => ({
  id: "msg_test",
  model: "claude-local",
  stopSequences,
  fallbackUsage: () => ({ input: 11, output: 99 }),
  inputEstimate: 7,
});

const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const chunk = (delta: object, finish: string | null = null, extra: object = {}) =>
  data({
    id: "c",
    object: "chat.completion.chunk",
    model: "m",
    choices: [{ index: 0, delta, finish_reason: finish, ...extra }],
  });
const usage = (prompt: number, completion: number) =>
  data({
    id: "c",
    object: "chat.completion.chunk",
    model: "m",
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion },
  });
const DONE = "data: [DONE]\n\n";

interface Parsed {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): Parsed[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const [eventLine, dataLine] = block.split("\n");
      return { event: (eventLine ?? "").slice(7), data: JSON.parse((dataLine ?? "").slice(6)) };
    });
}

function translate(upstream: string, size: number, ctx = context()) {
  const observed: unknown[] = [];
  const sse = new SseTranslate(new StreamTranslator(ctx), (value) => observed.push(value));
  const bytes = enc.encode(upstream);
  let out = "";
  for (let i = 0; i < bytes.length; i += size) {
    const piece = sse.push(bytes.subarray(i, i + size));
    if (piece) out += dec.decode(piece);
  }
  out += dec.decode(sse.finish());
  return { events: parseSse(out), observed };
}

/** Rebuilds the final message from events the way a client does (text, thinking, parsed tool input). */
function assemble(events: Parsed[]) {
  const blocks: Record<string, unknown>[] = [];
  const json: string[] = [];
  let stop: unknown = null;
  let usageOut: unknown = null;
  for (const { data: e } of events) {
    const index = e.index as number;
    if (e.type === "content_block_start") {
      blocks[index] = { ...(e.content_block as object) };
      json[index] = "";
    } else if (e.type === "content_block_delta") {
      const delta = e.delta as Record<string, string>;
      const block = blocks[index] as Record<string, string>;
      if (delta.type === "text_delta") block.text += delta.text as string;
      if (delta.type === "thinking_delta") block.thinking += delta.thinking as string;
      if (delta.type === "input_json_delta") json[index] += delta.partial_json as string;
    } else if (e.type === "content_block_stop") {
      const block = blocks[index] as Record<string, unknown>;
      if (block.type === "tool_use") block.input = JSON.parse(json[index] || "{}");
    } else if (e.type === "message_delta") {
      stop = e.delta;
      usageOut = e.usage;
    }
  }
  return { blocks, stop, usage: usageOut };
}

// vLLM: role chunk, text, then two tool calls whose arguments arrive in fragments; stop_reason; usage.
const vllmTools =
  chunk({ role: "assistant", content: "" }) +
  chunk({ content: "Let me check — " }) +
  chunk({ content: "météo 👋" }) +
  chunk({
    tool_calls: [
      { index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } },
    ],
  }) +
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }) +
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty": "Par' } }] }) +
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'is"}' } }] }) +
  chunk({
    tool_calls: [
      { index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: '{"tz":' } },
    ],
  }) +
  chunk({ tool_calls: [{ index: 1, function: { arguments: ' "UTC"}' } }] }) +
  chunk({}, "tool_calls", { stop_reason: null }) +
  usage(31, 42) +
  DONE;

describe("stream translation", () => {
  it("emits Anthropic's exact event order for text then two tool calls (vLLM-style fragments)", () => {
    for (const size of [1, 2, 5, 17, 100, 100_000]) {
      const { events, observed } = translate(vllmTools, size);
      expect(events.map((e) => e.event)).toEqual([
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
      ]);
      expect(events.every((e) => e.event === e.data.type)).toBe(true);
      expect(observed).toHaveLength(11);
      const { blocks, stop, usage: u } = assemble(events);
      expect(blocks).toEqual([
        { type: "text", text: "Let me check — météo 👋" },
        { type: "tool_use", id: "call_a", name: "get_weather", input: { city: "Paris" } },
        { type: "tool_use", id: "call_b", name: "get_time", input: { tz: "UTC" } },
      ]);
      expect(stop).toEqual({ stop_reason: "tool_use", stop_sequence: null });
      expect(u).toEqual({
        input_tokens: 31,
        output_tokens: 42,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      });
    }
  });

  it("streams tool arguments as input_json_delta pieces as they arrive, not at the end", () => {
    const { events } = translate(vllmTools, 100_000);
    const partials = events
      .filter(
        (e) =>
          e.event === "content_block_delta" && (e.data.delta as { type: string }).type === "input_json_delta",
      )
      .map((e) => (e.data.delta as { partial_json: string }).partial_json);
    expect(partials).toEqual(['{"ci', 'ty": "Par', 'is"}', '{"tz":', ' "UTC"}']);
    const starts = events.filter((e) => e.event === "content_block_start").map((e) => e.data.index);
    expect(starts).toEqual([0, 1, 2]);
  });

  it("sends the first text_delta in the same push as the first upstream token", () => {
    const sse = new SseTranslate(new StreamTranslator(context()), () => undefined);
    const first = sse.push(enc.encode(chunk({ role: "assistant", content: "Hel" })));
    const events = parseSse(dec.decode(first as Uint8Array)).map((e) => e.event);
    expect(events).toEqual(["message_start", "content_block_start", "ping", "content_block_delta"]);
  });

  it("turns reasoning_content into a thinking block before the answer (vLLM/DeepSeek)", () => {
    const upstream =
      chunk({ role: "assistant", reasoning_content: "Think" }) +
      chunk({ reasoning_content: "ing…" }) +
      chunk({ content: "42" }) +
      chunk({}, "stop") +
      usage(5, 9) +
      DONE;
    const { blocks, stop } = assemble(translate(upstream, 3).events);
    expect(blocks).toEqual([
      { type: "thinking", thinking: "Thinking…", signature: "" },
      { type: "text", text: "42" },
    ]);
    expect(stop).toEqual({ stop_reason: "end_turn", stop_sequence: null });
  });

  it("takes Ollama's whole tool calls (no index, `reasoning` field) one block each", () => {
    const upstream =
      chunk({ role: "assistant", reasoning: "plan" }) +
      chunk({
        tool_calls: [
          { id: "call_1", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
          { id: "call_2", function: { name: "get_time", arguments: '{"tz":"CET"}' } },
        ],
      }) +
      chunk({ content: "" }, "stop") +
      usage(20, 7) +
      DONE;
    const { blocks, stop } = assemble(translate(upstream, 7).events);
    expect(blocks).toEqual([
      { type: "thinking", thinking: "plan", signature: "" },
      { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } },
      { type: "tool_use", id: "call_2", name: "get_time", input: { tz: "CET" } },
    ]);
    // Ollama says "stop" with tool calls: still tool_use for the client's loop.
    expect(stop).toEqual({ stop_reason: "tool_use", stop_sequence: null });
  });

  it("reports the matched stop sequence (vLLM stop_reason) and max_tokens", () => {
    const stopped =
      chunk({ content: "one two" }) + chunk({}, "stop", { stop_reason: "END" }) + usage(3, 2) + DONE;
    expect(assemble(translate(stopped, 4, context(["END", "STOP"])).events).stop).toEqual({
      stop_reason: "stop_sequence",
      stop_sequence: "END",
    });
    const cut = chunk({ content: "one two" }) + chunk({}, "length") + DONE;
    expect(assemble(translate(cut, 4).events).stop).toEqual({
      stop_reason: "max_tokens",
      stop_sequence: null,
    });
  });

  it("falls back to the estimate when the backend reports no usage (llama.cpp without usage chunk)", () => {
    const upstream = chunk({ content: "hi" }) + chunk({}, "stop", { timings: { predicted_n: 1 } }) + DONE;
    const { events } = translate(upstream, 9);
    expect(assemble(events).usage).toMatchObject({ input_tokens: 11, output_tokens: 99 });
    expect((events[0] as Parsed).data.message).toHaveProperty("usage");
    expect(((events[0] as Parsed).data.message as { usage: unknown }).usage).toMatchObject({
      input_tokens: 7,
      output_tokens: 0,
    });
  });

  it("closes properly when the upstream ends without [DONE] or any content", () => {
    const { events } = translate("", 1);
    expect(events.map((e) => e.event)).toEqual(["message_start", "ping", "message_delta", "message_stop"]);
  });

  it("ends with an error event (and nothing after) on an upstream error mid-stream", () => {
    const upstream =
      chunk({ content: "partial" }) +
      data({ error: { message: "CUDA out of memory" } }) +
      chunk({ content: "late" });
    const { events } = translate(upstream, 5);
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "error",
    ]);
    expect(events.at(-1)?.data).toEqual({
      type: "error",
      error: { type: "api_error", message: "CUDA out of memory" },
    });
  });

  it("ends with an error event when the caller reports a failure after the first byte", () => {
    const sse = new SseTranslate(new StreamTranslator(context()), () => undefined);
    sse.push(enc.encode(chunk({ content: "x" })));
    const failed = parseSse(dec.decode(sse.fail("api_error", "upstream reset")));
    expect(failed).toEqual([
      { event: "error", data: { type: "error", error: { type: "api_error", message: "upstream reset" } } },
    ]);
    expect(dec.decode(sse.finish())).toBe("");
  });
});
