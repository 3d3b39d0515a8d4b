// The o200k tokenizer loaded from a JSON ranks file (what `npm run build` writes beside dist/server.js)
// counts exactly as gpt-tokenizer's own module does; without the file, the module is loaded instead.

import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadGptTokenizer } from "../../src/proxy/token-counter.js";
import { ranksFileTokenizer } from "../../src/runtime/tokenizer-ranks.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

const ranks = createRequire(import.meta.url)("gpt-tokenizer/bpeRanks/o200k_base").default as (
  | string
  | number[]
)[];

// Prose, code, JSON, CJK, emoji, accents, whitespace runs, and bytes that are no UTF-8 text of their own
// (an emoji's bytes split over tokens), where the ranks hold byte arrays instead of strings.
const TEXTS = [
  "The quick brown fox jumps over the lazy dog.",
  "function add(a, b) {\n  return a + b; // sum\n}\n\n\t\tindented",
  '{"name": "llmlb", "version": "1.0.0", "tokens": 12345, "ok": true}',
  "東京は日本の首都です。서울은 한국의 수도입니다。",
  "Emoji 🦊🧪🏳️‍🌈 and accents: café, naïve, Ærøskøbing, Þórsmörk",
  "    many     spaces\r\n and\u00a0non-breaking\u2003ones",
];
/** gpt-tokenizer refuses a special token in text (the token counter then approximates): both ways. */
const SPECIAL = "<|endoftext|> in a prompt";

describe("o200k tokenizer from a ranks file", () => {
  let dir: TempDir | undefined;
  afterEach(() => {
    dir?.remove();
    dir = undefined;
  });

  it("counts every text exactly as gpt-tokenizer's module does", async () => {
    dir = tempDir();
    const file = join(dir.path, "o200k_base.ranks.json");
    writeFileSync(file, JSON.stringify(ranks));
    const [fromFile, fromModule] = await Promise.all([ranksFileTokenizer(file)(), loadGptTokenizer()]);
    for (const text of TEXTS) expect(fromFile(text), text).toBe(fromModule(text));
    expect(fromFile(TEXTS.join("\n").repeat(20))).toBe(fromModule(TEXTS.join("\n").repeat(20)));
    expect(() => fromModule(SPECIAL)).toThrow(/special token/);
    expect(() => fromFile(SPECIAL)).toThrow(/special token/);
  });

  it("uses the file's ranks: a file without the token ' world' counts 'hello world' in more tokens", async () => {
    dir = tempDir();
    const file = join(dir.path, "o200k_base.ranks.json");
    const rank = ranks.indexOf(" world");
    expect(rank).toBeGreaterThan(0);
    // The token becomes a byte sequence no text produces, so the merge to " world" is gone.
    writeFileSync(
      file,
      JSON.stringify(ranks.map((value, index) => (index === rank ? [255, 254, 253] : value))),
    );
    const fromFile = await ranksFileTokenizer(file)();
    const fromModule = await loadGptTokenizer();
    expect(fromModule("hello world")).toBe(2);
    expect(fromFile("hello world")).toBeGreaterThan(2);
  });

  it("loads gpt-tokenizer's module when the file is missing (a run from source)", async () => {
    dir = tempDir();
    const count = await ranksFileTokenizer(join(dir.path, "missing.json"))();
    const fromModule = await loadGptTokenizer();
    for (const text of TEXTS) expect(count(text)).toBe(fromModule(text));
  });
});
