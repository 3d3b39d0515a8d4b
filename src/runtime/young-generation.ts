// Owns the size of V8's young generation on Node: capped at 16 MiB (two semi-spaces of 8 MiB) instead of
// V8's 32 MiB. Under sustained load V8 grows the young generation to its maximum and keeps it, so its size is
// part of the process's RSS peak. The maximum (`--max-semi-space-size`) is fixed when the heap is set up, and
// `node dist/server.js` takes no flags; what V8 does read on every growth is `--semi-space-growth-factor`
// (new capacity = factor × capacity, default 2). So the factor is set to 1 while the young generation is at
// the cap and back to 2 below it (V8 halves it when the process idles, and it must grow back under load).
//
// Measured (bench host, 12 s at c=50, then 5 s of 100 slow requests and 5 s of 50 streams, alternated
// runs): RSS peak 142–149 MiB against 150–161 without the cap; 460 young collections against 273 (each is as
// short: its cost is the survivors, the requests in flight), 23.5 against 21.0 MiB promoted, CPU per request
// level (209 vs 201 µs, within the runs' spread). In the bench's sections 1–2 (four alternated runs each):
// medians 144.9 against 150.3 MiB, with a wider spread. A 4 MiB semi-space promoted enough more to lose the
// gain (peak 147–150 MiB).
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

/** Both semi-spaces together, as V8 reports new_space's size. */
export const YOUNG_GENERATION_CAP_BYTES = 16 * 1024 * 1024;
/** V8's default `--semi-space-growth-factor`. */
const DEFAULT_GROWTH_FACTOR = 2;
/**
 * How often the size is checked. V8 grows the young generation again only once as many bytes as its capacity
 * have survived young collections since it last grew: at the cap, 16 MiB of survivors, ≈ 1 s at c=50 (the
 * requests in flight survive, ≈ 0.2–0.5 MiB a collection), so the factor is back to 1 long before.
 */
const CHECK_INTERVAL_MS = 100;

function youngGenerationBytes(): number {
  for (const space of getHeapSpaceStatistics()) if (space.space_name === "new_space") return space.space_size;
  return 0;
}

/**
 * Starts keeping the young generation at or below `capBytes`. Call it only after the code cache has been
 * written: V8 refuses a cache made under other flags (src/runtime/code-cache.ts), and while the cap holds the
 * growth factor is not V8's default. Returns a function that stops it and restores the default.
 */
export function capYoungGeneration(capBytes = YOUNG_GENERATION_CAP_BYTES): () => void {
  let atCap = false;
  const check = () => {
    const reached = youngGenerationBytes() >= capBytes;
    if (reached === atCap) return;
    atCap = reached;
    setFlagsFromString(`--semi-space-growth-factor=${reached ? 1 : DEFAULT_GROWTH_FACTOR}`);
  };
  check();
  const timer = setInterval(check, CHECK_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (atCap) setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
    atCap = false;
  };
}
