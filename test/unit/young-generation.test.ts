// Node's young generation under load (src/runtime/young-generation.ts): V8 grows it to 32 MiB and keeps it,
// part of the process's RSS peak; with the cap it stays at 16 MiB, and stopping the cap gives V8 back its
// own growth. Each case is a fresh `node` process, as V8 flags are per process.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { YOUNG_GENERATION_CAP_BYTES } from "../../src/runtime/young-generation.js";
import { ROOT } from "../fixtures/process.js";

interface Largest {
  largestBeforeStop: number;
  largestAfterStop: number;
}

function underLoad(mode: "none" | "cap" | "cap-then-stop"): Promise<Largest> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "test/fixtures/young-generation-load.ts"), mode],
    {
      cwd: ROOT,
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`young-generation-load ${mode} exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as Largest);
    });
  });
}

describe("young generation cap", () => {
  it("keeps V8's young generation at the cap under load, where V8 alone grows past it", async () => {
    const [uncapped, capped, stopped] = await Promise.all([
      underLoad("none"),
      underLoad("cap"),
      underLoad("cap-then-stop"),
    ]);
    expect(uncapped.largestBeforeStop).toBeGreaterThan(YOUNG_GENERATION_CAP_BYTES);
    expect(capped.largestBeforeStop).toBe(YOUNG_GENERATION_CAP_BYTES);
    expect(stopped.largestBeforeStop).toBe(YOUNG_GENERATION_CAP_BYTES);
    // Stopped: V8's default growth factor again, so the same load grows it past the cap.
    expect(stopped.largestAfterStop).toBeGreaterThan(YOUNG_GENERATION_CAP_BYTES);
  }, 30_000);
});
