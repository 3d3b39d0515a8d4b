// Token counter: the tokenizer loads only when a count is first needed; counts before that (or after a
// failed load) are approximations; the approximation stays close to the real tokenizer on common text.
import { describe, expect, it } from "vitest";
import {
  approximateTokens,
  type CountTokens,
  createTokenCounter,
  loadGptTokenizer,
} from "../../src/proxy/token-counter.js";

function controlledLoader() {
  let resolve: (count: CountTokens) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  let calls = 0;
  const load = () => {
    calls++;
    return new Promise<CountTokens>((res, rej) => {
      resolve = res;
      reject = rej;
    });
  };
  return {
    load,
    resolve: (count: CountTokens) => resolve(count),
    reject: (e: unknown) => reject(e),
    calls: () => calls,
  };
}

describe("token counter", () => {
  it("loads the tokenizer on the first count only, approximates until it is there, then counts exactly", async () => {
    const loader = controlledLoader();
    const counter = createTokenCounter(loader.load, () => {});
    expect(loader.calls()).toBe(0);
    expect(counter.count("")).toBe(0);
    expect(loader.calls()).toBe(0);
    expect(counter.count("hello there, world")).toBe(approximateTokens("hello there, world"));
    expect(counter.count("again")).toBe(approximateTokens("again"));
    expect(loader.calls()).toBe(1);
    loader.resolve((text) => text.length * 100);
    expect(await counter.loaded()).toBe(true);
    expect(counter.count("again")).toBe(500);
    expect(loader.calls()).toBe(1);
  });

  it("keeps approximating and reports once when the tokenizer cannot load", async () => {
    const loader = controlledLoader();
    const errors: unknown[] = [];
    const counter = createTokenCounter(loader.load, (error) => errors.push(error));
    const pending = counter.loaded();
    loader.reject(new Error("no module"));
    expect(await pending).toBe(false);
    expect(counter.count("still counted")).toBe(approximateTokens("still counted"));
    expect(await counter.loaded()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(loader.calls()).toBe(1);
  });

  it("falls back to the approximation for a text the tokenizer refuses", async () => {
    const counter = createTokenCounter(
      async () => () => {
        throw new Error("refused");
      },
      () => {},
    );
    await counter.loaded();
    expect(counter.count("some text")).toBe(approximateTokens("some text"));
  });

  it("approximates prose, code, JSON and CJK within 40 % of the o200k tokenizer", async () => {
    const exact = await loadGptTokenizer();
    const texts = [
      "The quick brown fox jumps over the lazy dog.",
      "Once upon a time, in a small village nestled between rolling hills, there lived an old clockmaker.",
      "function add(a, b) {\n  return a + b; // sum\n}",
      '{"name": "llmlb", "version": "1.0.0", "tokens": 12345}',
      "東京は日本の首都です。",
    ];
    for (const text of texts) {
      const ratio = approximateTokens(text) / exact(text);
      expect(ratio, text).toBeGreaterThan(0.6);
      expect(ratio, text).toBeLessThan(1.4);
    }
  });
});
