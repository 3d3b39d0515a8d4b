// Owns counting the tokens of a text for estimates (only needed when an upstream reports no usage): the
// o200k tokenizer of gpt-tokenizer, loaded lazily on first need because loading it costs ~63 MiB of memory
// and ~170 ms at startup; until it has loaded (or if it cannot load), a cheap approximation.

/** Counts tokens exactly; throws on text it refuses. */
export type CountTokens = (text: string) => number;
export type LoadTokenizer = () => Promise<CountTokens>;

export interface TokenCounter {
  /** Exact once the tokenizer is loaded; until then approximateTokens(). Starts loading on first call. */
  count(text: string): number;
  /** Starts loading if needed; resolves true once exact counts are available, false if loading failed. */
  loaded(): Promise<boolean>;
}

/** gpt-tokenizer through a dynamic import, so the module is only evaluated when first needed. */
export const loadGptTokenizer: LoadTokenizer = async () => (await import("gpt-tokenizer")).countTokens;

// Pieces a BPE tokenizer rarely merges across: single CJK characters, runs of other letters, runs of up to
// 3 digits, other symbols.
const PIECES = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]|\p{L}+|\p{N}{1,3}|[^\s\p{L}\p{N}]/gu;

/**
 * Tokens of a text without a tokenizer: the larger of characters / 5 (English prose averages 4–5) and the
 * number of word / number / symbol pieces (each is at least one token). Typically within ~25 % of o200k.
 */
export function approximateTokens(text: string): number {
  if (text === "") return 0;
  let pieces = 0;
  PIECES.lastIndex = 0;
  while (PIECES.exec(text) !== null) pieces++;
  return Math.max(Math.ceil(text.length / 5), pieces);
}

export function createTokenCounter(load: LoadTokenizer, onLoadError: (error: unknown) => void): TokenCounter {
  let exact: CountTokens | null = null;
  let loading: Promise<boolean> | null = null;
  const start = (): Promise<boolean> => {
    loading ??= load().then(
      (count) => {
        exact = count;
        return true;
      },
      (error: unknown) => {
        onLoadError(error);
        return false;
      },
    );
    return loading;
  };
  return {
    count(text) {
      if (text === "") return 0;
      if (exact === null) {
        void start();
        return approximateTokens(text);
      }
      try {
        return exact(text);
      } catch {
        return approximateTokens(text);
      }
    },
    loaded: start,
  };
}
