// Request JSON parsing: nesting beyond the bound is a 400 naming the bound, brackets inside strings do not
// count, and empty or malformed bodies keep their own 400s.
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { jsonDepthExceeds, MAX_JSON_DEPTH, parseJsonText } from "../../src/http/json-text.js";

function codeOf(text: string): string | null {
  try {
    parseJsonText(text);
    return null;
  } catch (error) {
    return error instanceof AppError ? `${error.status} ${error.code}` : String(error);
  }
}

describe("parseJsonText", () => {
  it("accepts nesting up to the bound and refuses one level more", () => {
    const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    expect(parseJsonText(nested(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(codeOf(nested(MAX_JSON_DEPTH + 1))).toBe("400 json_too_deep");
    expect(codeOf(`{"a":${nested(100_000)}}`)).toBe("400 json_too_deep");
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ text: `\\"${"[{".repeat(500)}` });
    expect(jsonDepthExceeds(text, 2)).toBe(false);
    expect(parseJsonText(text)).toEqual(JSON.parse(text));
  });

  it("keeps distinct 400s for empty and malformed bodies", () => {
    expect(codeOf("  ")).toBe("400 invalid_json");
    expect(codeOf("{nope")).toBe("400 invalid_json");
  });
});
