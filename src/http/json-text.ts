// Owns turning request body text into a JSON value: empty, malformed and too deeply nested bodies are 400s.
// Every route that parses a client's JSON goes through parseJsonText, so no later step (re-serialising for
// the upstream, token estimation) ever meets a structure deep enough to exhaust the stack.
import { AppError } from "../errors.js";

/** Deepest nesting of objects/arrays a client may send (the top-level object is depth 1). */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting in a JSON text, stopping as soon as it exceeds `limit` (one pass, no recursion). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Parses a request body; empty, invalid or deeper than MAX_JSON_DEPTH → 400 (`invalid_json`, `json_too_deep`). */
export function parseJsonText(text: string): unknown {
  if (text.trim() === "") {
    throw new AppError("bad_request", "Request body is empty; expected a JSON object", {
      code: "invalid_json",
    });
  }
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new AppError(
      "bad_request",
      `Request body nests objects/arrays more than ${MAX_JSON_DEPTH} levels deep`,
      { code: "json_too_deep" },
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "Request body is not valid JSON", { code: "invalid_json" });
  }
}
