import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../fixtures/process.js";

// npm test builds dist/ first. V8 keeps a script's source for the process's life, at one byte per character
// only when every character is Latin-1 (scripts/build.mjs latin1Only: 1.3 MiB less live heap).
describe("node bundle", () => {
  it("has no character above U+00FF, so V8 stores its source one byte per character", () => {
    for (const file of ["server.js", "server-bundle.cjs"]) {
      const text = readFileSync(join(ROOT, "dist", file), "utf8");
      const wide = [...text].filter((character) => (character.codePointAt(0) ?? 0) > 0xff);
      expect(wide, file).toEqual([]);
    }
  });
});
