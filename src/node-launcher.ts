// `node dist/server.js`: runs the server's bundle (dist/server-bundle.cjs, built from src/server.ts) with
// V8's code cache (src/runtime/code-cache.ts), then writes the cache when this start could not use it, then
// caps V8's young generation (src/runtime/young-generation.ts).
import { fileURLToPath } from "node:url";
import { runCommonJsBundle } from "./runtime/code-cache.js";
import { capYoungGeneration } from "./runtime/young-generation.js";
import type { startNodeServer } from "./server.js";

const run = runCommonJsBundle(fileURLToPath(new URL("./server-bundle.cjs", import.meta.url)));
const { startNodeServer: start } = run.exports as { startNodeServer: typeof startNodeServer };
await start({ entryUrl: import.meta.url, codeCache: run.cache });
// Once listening: the cache then holds everything boot compiled. One pause (17 ms on the bench host: V8's
// serialisation, the digest, the write) after the first start of a build.
if (run.cache !== "used") run.save();
// After the cache is written: the cap changes a V8 flag, and V8 refuses a cache made under other flags.
capYoungGeneration();
