// Owns Node's garbage-collector settings: how far the old generation may grow between full collections, and
// "collect garbage soon" for the upstream client (src/upstream/garbage-hint.ts), Node's counterpart of
// Bun.gc(false). Node exposes no collector call without `--expose-gc` at start, and llmlb
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
  return () => setImmediate(() => collect({ type: "minor", execution: "sync" }));
}

/**
 * Lets the old generation grow to 1.5 × its live size before the next full collection (V8 picks 1.1–4 ×
 * by itself; it re-reads this flag whenever it sets the next limit, so setting it at run time works).
 * Measured reason (c=100 non-streamed load, RSS sampled every 20 ms, three processes interleaved): request
 * objects that outlive two young-generation collections are promoted and die soon after, and V8 let that
 * garbage pile up to ≈ 84 MiB of old space (heap used 28 → 93 MiB between full collections): RSS peak
 * 240 MiB with V8's choice, 173 MiB at 1.5 ×, 170 MiB at 1.2 ×; CPU per request and req/s within the
 * slices' noise (161 / 165 µs, 7,346 / 7,427 req/s medians of eight slices).
 */
export function boundOldGenerationGrowth(): void {
  setFlagsFromString("--heap-growing-percent=50");
}
