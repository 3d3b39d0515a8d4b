// Owns loading the o200k tokenizer from a JSON ranks file on Node (dist/o200k_base.ranks.json, written by
// `npm run build` from gpt-tokenizer's own ranks), instead of evaluating gpt-tokenizer's ranks module. The
// module is a 2.4 MB JavaScript array literal: V8 parses and compiles it, keeps its source, and the
// compiler's memory stays with the process. JSON.parse builds the same array without any of that.
// Measured (node, RSS right after loading / after a full collection): +70 / +55 MiB through the module,
// +54 / +38 MiB from the JSON file; 338 → 283 ms to load. The counts are the same (the same encoder, built
// by gpt-tokenizer from the same ranks; a test compares them).
import { readFile } from "node:fs/promises";
import { type CountTokens, type LoadTokenizer, loadGptTokenizer } from "../proxy/token-counter.js";

/** The ranks as gpt-tokenizer's encoder takes them: index = rank, a string or, if not UTF-8, its bytes. */
type Ranks = (string | number[])[];

/**
 * A loader reading the ranks from `file`; without the file (a run from source, not from dist/), gpt-tokenizer
 * loads its own ranks module as before.
 */
export function ranksFileTokenizer(file: string): LoadTokenizer {
  return async (): Promise<CountTokens> => {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      return loadGptTokenizer();
    }
    const ranks = JSON.parse(text) as Ranks;
    const { GptEncoding } = await import("gpt-tokenizer/GptEncoding");
    const encoding = GptEncoding.getEncodingApi("o200k_base", () => ranks);
    return (input) => encoding.countTokens(input);
  };
}
