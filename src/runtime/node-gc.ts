// Owns Node's "collect garbage soon" for the upstream client (src/upstream/garbage-hint.ts), Node's
// counterpart of Bun.gc(false). Node exposes no collector call without `--expose-gc` at start, and llmlb
// runs as a plain `node dist/server.js`: the flag is set at run time and `gc` taken from a fresh context,
// which is where V8 installs it (the context made at start has none).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collect = (options: { type: "minor" | "major"; execution: "sync" | "async" }) => void;

/**
 * A young-generation collection on the next turn of the event loop (once the finished exchange's frames are
 * gone). Its pause is ≈ 0.5 ms, asked for at most once per 4 MiB of uploads. Measured (60 back-to-back
 * 10 MiB uploads, RSS sampled every 10 ms): peak growth +5.3 / +7.7 MiB without it, +2.3 / +1.4 MiB with
 * it, and the process sat 6–13 MiB lower before the uploads; a major collection (asynchronous) left
 * +10.6 / +11.3 MiB.
 */
export function nodeCollectGarbage(): () => void {
  setFlagsFromString("--expose-gc");
  const collect = runInNewContext("gc") as Collect;
  // Back to the flags the process started with: V8 refuses a code cache (src/runtime/code-cache.ts) made
  // under other flags, so with the flag left on every start would find the cache rejected. `gc` stays.
  setFlagsFromString("--no-expose-gc");
  return () => setImmediate(() => collect({ type: "minor", execution: "sync" }));
}
