// How dist/server.js runs the server's bundle (src/runtime/code-cache.ts): V8's code cache is used when it
// was written for this very bundle text, never otherwise, and a cache that cannot be read or written only
// costs the compile. Each run is a fresh `node` process, as each start of the server is.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "../fixtures/process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

interface Run {
  cache: string;
  answer: string;
  where: string;
  saved: boolean;
}

function runBundle(bundle: string, nodeFlags: string[] = []): Run {
  const child = spawnSync(
    process.execPath,
    [...nodeFlags, "--import", "tsx", join(ROOT, "test/fixtures/run-bundle.ts"), bundle],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`run-bundle exited ${child.status}: ${child.stderr}`);
  return JSON.parse(child.stdout) as Run;
}

/** A bundle whose answer is `answer`: rebuilding with another answer of the same length keeps the length. */
function bundleText(answer: string): string {
  const body = Array.from({ length: 200 }, (_, i) => `function step${i}(x) { return x + ${i}; }`).join("\n");
  return `"use strict";
${body}
module.exports = {
  answer: ${JSON.stringify(answer)} + step0(""),
  where: require("node:path").basename(__dirname) + "/" + require("node:path").basename(__filename),
};
`;
}

describe("code cache", () => {
  let dir: TempDir | undefined;
  afterEach(() => dir?.remove());

  function setUp(answer: string) {
    dir = tempDir();
    const bundle = join(dir.path, "bundle.cjs");
    writeFileSync(bundle, bundleText(answer));
    return bundle;
  }

  it("a first start compiles and writes the cache; the next start uses it and runs the same code", () => {
    const bundle = setUp("first");
    expect(runBundle(bundle)).toEqual({
      cache: "missing",
      answer: "first0",
      where: `${dir?.path.split("/").pop()}/bundle.cjs`,
      saved: true,
    });
    expect(readFileSync(`${bundle}.v8cache`).length).toBeGreaterThan(20);
    expect(runBundle(bundle)).toMatchObject({ cache: "used", answer: "first0" });
  });

  it("a rebuilt bundle of the same length never runs the old bundle's code", () => {
    const bundle = setUp("old");
    runBundle(bundle);
    // V8 itself checks only the source's length: the key in the file is what tells the two apart.
    writeFileSync(bundle, bundleText("new"));
    expect(runBundle(bundle)).toMatchObject({ cache: "stale", answer: "new0", saved: true });
    expect(runBundle(bundle)).toMatchObject({ cache: "used", answer: "new0" });
  });

  it("a damaged cache never reaches V8 and is written anew", () => {
    const bundle = setUp("damaged");
    runBundle(bundle);
    const stored = readFileSync(`${bundle}.v8cache`);
    stored.fill(0x5a, 20 + 64);
    writeFileSync(`${bundle}.v8cache`, stored);
    expect(runBundle(bundle)).toMatchObject({ cache: "stale", answer: "damaged0", saved: true });
    expect(runBundle(bundle)).toMatchObject({ cache: "used", answer: "damaged0" });
  });

  it("a cache written under other V8 flags is refused by V8, and the start compiles", () => {
    const bundle = setUp("flags");
    runBundle(bundle);
    expect(runBundle(bundle, ["--no-opt"])).toMatchObject({
      cache: "rejected",
      answer: "flags0",
      saved: true,
    });
    expect(runBundle(bundle, ["--no-opt"])).toMatchObject({ cache: "used", answer: "flags0" });
    expect(runBundle(bundle)).toMatchObject({ cache: "rejected", answer: "flags0" });
  });

  it("where the cache cannot be written, every start still runs the bundle and leaves nothing behind", () => {
    const bundle = setUp("unwritable");
    // A directory where the file would go: unreadable as a cache and impossible to rename onto (as root too).
    mkdirSync(join(`${bundle}.v8cache`, "in-the-way"), { recursive: true });
    expect(runBundle(bundle)).toMatchObject({ cache: "missing", answer: "unwritable0", saved: false });
    expect(runBundle(bundle)).toMatchObject({ cache: "missing", answer: "unwritable0", saved: false });
    expect(readdirSync(dir?.path ?? "").sort()).toEqual(["bundle.cjs", "bundle.cjs.v8cache"]);
  });
});
