// The /v1/messages view of an upstream answer: whole bodies, relayed upstream errors and their status.
import { describe, expect, it } from "vitest";
import { MessagesShaper } from "../../src/anthropic/shaper.js";
import type { ChatRequest } from "../../src/anthropic/types.js";
import { approximateTokens } from "../../src/proxy/token-counter.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const tokens = { count: approximateTokens, loaded: async () => false };

const chat = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: "m",
  max_tokens: 50,
  messages: [{ role: "user", content: "How many words are in this prompt please" }],
  ...extra,
});
const shaper = (extra: Partial<ChatRequest> = {}) =>
  new MessagesShaper({ id: "msg_x", model: "client-model", chat: chat(extra), promptChars: 40, tokens });
const body = (value: unknown) => enc.encode(JSON.stringify(value));

describe("messages shaper", () => {
  it("estimates usage from the prompt and answer when the backend reports none", () => {
    const s = shaper();
    const out = JSON.parse(
      dec.decode(
        s.whole(
          body({ choices: [{ finish_reason: "stop", message: { content: "one two three four" } }] }),
          200,
        ),
      ),
    );
    expect(out.usage).toEqual({
      input_tokens: approximateTokens("How many words are in this prompt please"),
      output_tokens: approximateTokens("one two three four"),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    expect(s.status).toBeNull();
  });

  it("relays an upstream error in Anthropic's shape with its status; a refusal about tools becomes a 400", () => {
    const plain = shaper();
    expect(
      JSON.parse(dec.decode(plain.whole(body({ error: { message: "model is loading" } }), 503))),
    ).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "model is loading" },
    });
    expect(plain.status).toBe(503);
    const withTools = shaper({ tools: [{ type: "function", function: { name: "f", parameters: {} } }] });
    const refused = JSON.parse(
      dec.decode(withTools.whole(enc.encode('{"error":"tools param requires --jinja flag"}'), 500)),
    );
    expect(refused.error.type).toBe("invalid_request_error");
    expect(refused.error.message).toBe(
      "The backend cannot run this request's tools: tools param requires --jinja flag",
    );
    expect(withTools.status).toBe(400);
  });

  it("answers 502 for a 2xx body it cannot translate", () => {
    const s = shaper();
    expect(JSON.parse(dec.decode(s.whole(enc.encode("<html>"), 200))).error.type).toBe("api_error");
    expect(s.status).toBe(502);
  });
});
