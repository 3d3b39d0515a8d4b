// Usage meter estimates: any request structure (however deeply nested) gives a count instead of a crash,
// and a counter that fails still yields a result, so the request's record is never lost.
import { describe, expect, it } from "vitest";
import { approximateTokens, type TokenCounter } from "../../src/proxy/token-counter.js";
import { estimateInputTokens, UsageMeter } from "../../src/proxy/usage-meter.js";

const approximate: TokenCounter = { count: approximateTokens, loaded: async () => false };

/** `messages` nested `depth` levels deep, built without JSON (as a parsed body could be). */
function nestedMessages(depth: number): Record<string, unknown> {
  let value: unknown = "deep text";
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { content: value };
  return { model: "m", messages: value };
}

describe("usage meter", () => {
  it("estimates a prompt nested 200,000 levels deep without exhausting the stack", () => {
    const body = nestedMessages(200_000);
    expect(() => estimateInputTokens(body, approximate)).not.toThrow();
    const meter = new UsageMeter(approximate);
    const result = meter.result(body, false);
    expect(result.estimated).toBe(true);
    expect(result.inputTokens).toBeGreaterThanOrEqual(0);
  });

  it("keeps reading text in document order (content, then text; array items in order)", () => {
    const body = {
      messages: [
        { role: "system", content: "one two" },
        {
          role: "user",
          content: [
            { type: "text", text: "three" },
            { type: "text", text: "four" },
          ],
        },
      ],
    };
    const seen: string[] = [];
    const recording: TokenCounter = {
      count: (text) => {
        seen.push(text);
        return approximateTokens(text);
      },
      loaded: async () => false,
    };
    estimateInputTokens(body, recording);
    expect(seen).toEqual(["one two\nthree\nfour"]);
  });

  it("a counter that throws still gives a result (0 estimated tokens), so the record is kept", () => {
    const broken: TokenCounter = {
      count: () => {
        throw new RangeError("boom");
      },
      loaded: async () => false,
    };
    const meter = new UsageMeter(broken);
    meter.observe({ choices: [{ delta: { content: "hello" } }] });
    expect(meter.result({ messages: [{ role: "user", content: "hi" }] }, false)).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      estimated: true,
    });
  });
});
