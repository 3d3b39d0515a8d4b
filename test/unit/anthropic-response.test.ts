// Whole chat completions → Anthropic messages, and the error mapping of the Messages routes.
import { describe, expect, it } from "vitest";
import { anthropicErrorBody, anthropicErrorType, upstreamErrorText } from "../../src/anthropic/errors.js";
import { StreamTranslator } from "../../src/anthropic/stream-translator.js";
import { type MessageContext, toAnthropicMessage } from "../../src/anthropic/to-message.js";

const context: MessageContext = {
  id: "msg_1",
  model: "claude-local",
  stopSequences: ["###"],
  fallbackUsage: () => ({ input: 4, output: 6 }),
  inputEstimate: 3,
};

describe("chat completion → message", () => {
  it("maps text, reasoning and several tool calls, with usage", () => {
    const message = toAnthropicMessage(
      {
        id: "chatcmpl-1",
        choices: [
          {
            index: 0,
            finish_reason: "tool_calls",
            message: {
              content: "Checking both.",
              reasoning_content: "The user wants two things.",
              tool_calls: [
                { id: "call_1", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
                { id: "", function: { name: "get_time", arguments: "" } },
              ],
            },
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 20 },
      },
      context,
    );
    expect(message).toEqual({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-local",
      content: [
        { type: "thinking", thinking: "The user wants two things.", signature: "" },
        { type: "text", text: "Checking both." },
        { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
        { type: "tool_use", id: "toolu_1_1", name: "get_time", input: {} },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 50,
        output_tokens: 20,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  });

  it("reports stop_sequence only when the backend names a requested one; estimates missing usage", () => {
    const named = toAnthropicMessage(
      { choices: [{ finish_reason: "stop", stop_reason: "###", message: { content: "a" } }] },
      context,
    );
    expect([named.stop_reason, named.stop_sequence]).toEqual(["stop_sequence", "###"]);
    expect(named.usage).toMatchObject({ input_tokens: 4, output_tokens: 6 });
    const tokenId = toAnthropicMessage(
      { choices: [{ finish_reason: "stop", stop_reason: 128001, message: { content: "a" } }] },
      context,
    );
    expect([tokenId.stop_reason, tokenId.stop_sequence]).toEqual(["end_turn", null]);
    const cut = toAnthropicMessage(
      { choices: [{ finish_reason: "length", message: { content: "a" } }] },
      context,
    );
    expect(cut.stop_reason).toBe("max_tokens");
  });

  it("rejects tool arguments that are not a JSON object as a backend fault", () => {
    expect(() =>
      toAnthropicMessage(
        {
          choices: [
            {
              finish_reason: "tool_calls",
              message: { tool_calls: [{ id: "x", function: { name: "f", arguments: "{oops" } }] },
            },
          ],
        },
        context,
      ),
    ).toThrow(/not a JSON object/);
    expect(() => toAnthropicMessage({ choices: [] }, context)).toThrow(/without a choice/);
  });

  it("gives llama.cpp-style fragments that repeat the call id one block per call", () => {
    const translator = new StreamTranslator(context);
    const fragment = (index: number, id: string, args: string, name?: string) => ({
      choices: [
        { delta: { tool_calls: [{ index, id, function: { ...(name ? { name } : {}), arguments: args } }] } },
      ],
    });
    const events = [
      ...translator.push(fragment(0, "a", '{"x"', "f")),
      ...translator.push(fragment(0, "a", ":1}")),
      ...translator.push(fragment(1, "b", "{}", "g")),
      ...translator.finish(),
    ];
    const starts = events.filter((e) => e.type === "content_block_start");
    expect(starts.map((e) => ("content_block" in e ? e.content_block : null))).toEqual([
      { type: "tool_use", id: "a", name: "f", input: {} },
      { type: "tool_use", id: "b", name: "g", input: {} },
    ]);
  });
});

describe("Anthropic error mapping", () => {
  it("follows the documented status → type table", () => {
    const table: [number, string][] = [
      [400, "invalid_request_error"],
      [401, "authentication_error"],
      [403, "permission_error"],
      [404, "not_found_error"],
      [413, "request_too_large"],
      [429, "rate_limit_error"],
      [500, "api_error"],
      [502, "api_error"],
      [503, "overloaded_error"],
      [504, "api_error"],
      [529, "overloaded_error"],
      [422, "invalid_request_error"],
    ];
    for (const [status, type] of table) expect([status, anthropicErrorType(status)]).toEqual([status, type]);
    expect(anthropicErrorBody(404, "no model")).toEqual({
      type: "error",
      error: { type: "not_found_error", message: "no model" },
    });
  });

  it("reads the message out of OpenAI-, Ollama- and plain-shaped upstream errors", () => {
    expect(upstreamErrorText('{"error":{"message":"bad tools","type":"invalid_request_error"}}')).toBe(
      "bad tools",
    );
    expect(upstreamErrorText('{"error":"llama3 does not support tools"}')).toBe(
      "llama3 does not support tools",
    );
    expect(upstreamErrorText('{"detail":"nope"}')).toBe("nope");
    expect(upstreamErrorText("  Bad Gateway  ")).toBe("Bad Gateway");
  });
});
