import { describe, expect, it } from "vitest";
import { modelRewriter, SseRelay } from "../../src/proxy/sse-relay.js";
import { approximateTokens, createTokenCounter, loadGptTokenizer } from "../../src/proxy/token-counter.js";
import { UsageMeter } from "../../src/proxy/usage-meter.js";

const failLoading = (error: unknown) => {
  throw error;
};
const tokens = createTokenCounter(loadGptTokenizer, failLoading);

const enc = new TextEncoder();
const dec = new TextDecoder();

const chunk = (content: string, model = "llama3:8b") =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model, choices: [{ index: 0, delta: { content } }] })}\n\n`;
const usageChunk = (model = "llama3:8b") =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model, choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } })}\n\n`;
const done = "data: [DONE]\n\n";

/** Feeds `text` split into pieces of `size` bytes (so events and UTF-8 characters straddle chunks). */
function relay(
  text: string,
  size: number,
  options: { drop?: boolean; rewrite?: { from: string; to: string } } = {},
) {
  const meter = new UsageMeter(tokens);
  const sse = new SseRelay(meter, options.drop ?? false, options.rewrite ?? null);
  const bytes = enc.encode(text);
  const forwarded: Uint8Array[] = [];
  const sameObjects: boolean[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const piece = bytes.subarray(i, i + size);
    const out = sse.push(piece);
    if (out) {
      forwarded.push(out);
      sameObjects.push(out === piece);
    }
  }
  const rest = sse.finish();
  if (rest) forwarded.push(rest);
  return { meter, out: dec.decode(Buffer.concat(forwarded)), sameObjects, sse };
}

describe("SSE relay", () => {
  const stream = chunk("Hé") + chunk("llo 👋") + chunk(" world") + usageChunk() + done;

  it("forwards every chunk untouched (the same bytes, as they come) when no edit is needed", () => {
    for (const size of [1, 3, 7, 64, 4096]) {
      const { out, sameObjects, meter } = relay(stream, size);
      expect(out).toBe(stream);
      expect(sameObjects.every(Boolean)).toBe(true);
      expect(meter.result({}, false)).toEqual({ inputTokens: 7, outputTokens: 3, estimated: false });
    }
  });

  it("removes only the usage-only chunk when the client did not ask for usage, at any split point", () => {
    const expected = chunk("Hé") + chunk("llo 👋") + chunk(" world") + done;
    for (let size = 1; size <= 40; size++) {
      const { out, meter } = relay(stream, size, { drop: true });
      expect(out).toBe(expected);
      expect(meter.result({}, false).outputTokens).toBe(3);
    }
  });

  it("keeps CRLF framing and comments while dropping the usage chunk", () => {
    const crlf = `: keep-alive\r\n\r\n${chunk("a").replace(/\n/g, "\r\n")}${usageChunk().replace(/\n/g, "\r\n")}data: [DONE]\r\n\r\n`;
    const { out } = relay(crlf, 5, { drop: true });
    expect(out).toBe(`: keep-alive\r\n\r\n${chunk("a").replace(/\n/g, "\r\n")}data: [DONE]\r\n\r\n`);
  });

  it("rewrites the model name back to the client's and leaves every other byte alone", () => {
    const { out } = relay(stream, 10, { rewrite: { from: "llama3:8b", to: "llama3" } });
    expect(out).toBe(
      chunk("Hé", "llama3") +
        chunk("llo 👋", "llama3") +
        chunk(" world", "llama3") +
        usageChunk("llama3") +
        done,
    );
  });

  it("forwards an unterminated last line as the upstream sent it", () => {
    const { out } = relay(`${chunk("a")}data: [DONE]`, 4, { rewrite: { from: "x", to: "y" } });
    expect(out).toBe(`${chunk("a")}data: [DONE]`);
  });

  it("starts an error event on an event boundary", () => {
    const meter = new UsageMeter(tokens);
    const sse = new SseRelay(meter, false, null);
    sse.push(enc.encode(`${chunk("a")}data: {"id`));
    expect(dec.decode(sse.errorEvent({ message: "m", type: "t", code: "c" }))).toBe(
      '\n\ndata: {"error":{"message":"m","type":"t","code":"c"}}\n\n',
    );
    const clean = new SseRelay(new UsageMeter(tokens), true, null);
    clean.push(enc.encode(chunk("a")));
    expect(dec.decode(clean.errorEvent({ message: "m", type: "t", code: "c" }))).toMatch(/^data: /);
  });
});

describe("usage meter", () => {
  it("reads Ollama eval counts and llama.cpp timings when there is no usage", () => {
    const ollama = relay(
      `${chunk("hi")}data: {"choices":[{"delta":{}}],"eval_count":42,"prompt_eval_count":9}\n\n${done}`,
      8,
    );
    expect(ollama.meter.result({}, false)).toEqual({ inputTokens: 9, outputTokens: 42, estimated: false });
    const llama = relay(
      `${chunk("hi")}data: {"choices":[],"timings":{"prompt_n":5,"predicted_n":17}}\n\n${done}`,
      8,
    );
    expect(llama.meter.result({}, false)).toEqual({ inputTokens: 5, outputTokens: 17, estimated: false });
  });

  it("prefers OpenAI usage over the other sources", () => {
    const meter = new UsageMeter(tokens);
    meter.observe({
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2 },
      eval_count: 99,
      timings: { predicted_n: 98 },
    });
    expect(meter.result({}, false)).toEqual({ inputTokens: 1, outputTokens: 2, estimated: false });
  });

  it("reads the Responses API shapes: the response.completed event and a whole response", () => {
    const events = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\nevent: response.completed\ndata: {"type":"response.completed","response":{"object":"response","usage":{"input_tokens":4,"output_tokens":6}}}\n\n`;
    expect(relay(events, 9).meter.result({}, false)).toEqual({
      inputTokens: 4,
      outputTokens: 6,
      estimated: false,
    });
    const whole = new UsageMeter(tokens);
    whole.observe({
      object: "response",
      output: [{ content: [{ type: "output_text", text: "x" }] }],
      usage: { input_tokens: 3, output_tokens: 1 },
    });
    expect(whole.result({}, false)).toEqual({ inputTokens: 3, outputTokens: 1, estimated: false });
  });

  it("estimates from the generated and prompt text only when nothing was reported, and says so", async () => {
    expect(await tokens.loaded()).toBe(true);
    const { meter } = relay(chunk("The quick brown fox") + chunk(" jumps over the lazy dog.") + done, 16);
    const body = { messages: [{ role: "user", content: "Tell me about foxes." }] };
    expect(meter.result(body, false)).toEqual({
      inputTokens: tokens.count("Tell me about foxes."),
      outputTokens: tokens.count("The quick brown fox jumps over the lazy dog."),
      estimated: true,
    });
    // The o200k tokenizer's count: one token per word plus the period.
    expect(tokens.count("The quick brown fox jumps over the lazy dog.")).toBe(10);
  });

  it("before the tokenizer has loaded, estimates by approximation and still says so", () => {
    const unloaded = createTokenCounter(() => new Promise(() => {}), failLoading);
    const meter = new UsageMeter(unloaded);
    meter.observe({ choices: [{ delta: { content: "The quick brown fox jumps over the lazy dog." } }] });
    expect(meter.result({ prompt: "Tell me about foxes." }, false)).toEqual({
      inputTokens: approximateTokens("Tell me about foxes."),
      outputTokens: approximateTokens("The quick brown fox jumps over the lazy dog."),
      estimated: true,
    });
  });

  it("counts embeddings as zero output tokens with the reported input", () => {
    const meter = new UsageMeter(tokens);
    meter.observe({ object: "list", data: [], usage: { prompt_tokens: 12, total_tokens: 12 } });
    expect(meter.result({ input: "abc" }, true)).toEqual({
      inputTokens: 12,
      outputTokens: 0,
      estimated: false,
    });
  });
});

describe("model rewriter", () => {
  it("replaces only model members with the exact upstream id, including nested ones", () => {
    const rewrite = modelRewriter({ from: "a.b", to: "alias" });
    expect(rewrite('{"model":"a.b","response":{"model" : "a.b"},"x":"model a.b","m":"axb"}')).toBe(
      '{"model":"alias","response":{"model" : "alias"},"x":"model a.b","m":"axb"}',
    );
    expect(rewrite('{"model":"a.bc"}')).toBe('{"model":"a.bc"}');
  });
});
