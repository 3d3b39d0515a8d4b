// Owns how `node dist/server.js` runs the server's bundle: as CommonJS compiled with V8's code cache, so a
// restart does not parse and compile again what the previous run compiled (src/node-launcher.ts).
//
// Measured reason (restart → first 200 from /ready, 15 alternated restarts each, node 20 on a 2-core host
// where a bare node:http server takes ≈ 130 ms): the same bundle as an ES module 432 ms, as CommonJS 374 ms
// (the ES module loader's translate and link steps, and compiling a 1.4 MB module), as CommonJS with the
// code cache 327 ms (compiling the bundle 45 → 14 ms, and no lazy compiles of what boot runs).
import { createHash, randomUUID } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

/**
 * What the run found in `<bundle>.v8cache`: `used` (V8 took it), `missing`, `stale` (written for another
 * bundle text, or damaged) or `rejected` (V8 refused it: written under another V8 version or V8 flags).
 */
export type CodeCacheState = "used" | "missing" | "stale" | "rejected";

export interface BundleRun {
  cache: CodeCacheState;
  /** The bundle's `module.exports`. */
  exports: unknown;
  /**
   * Writes the cache for what V8 has compiled so far (call it once the process has done its boot's work);
   * false when the file cannot be written (a read-only install: every start then compiles, as without it).
   */
  save: () => boolean;
}

/**
 * The cache file is a SHA-1 over the bundle's text and V8's data, then V8's data. V8 checks its own version
 * and flags, but of the source only its length (a rebuilt bundle of the same length would run the old
 * bundle's code) and of its data no checksum (damaged data can crash the process): with the digest, V8
 * never sees data that a run of this very bundle did not write.
 */
const KEY_BYTES = 20;

const keyOf = (source: string, data: Uint8Array) =>
  createHash("sha1").update(source, "latin1").update(data).digest();

/** The wrapper Node's own loader puts around a CommonJS module; positions after line 1 are unchanged. */
const wrap = (source: string) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

/** Compiles `file` (ASCII only, as scripts/build.mjs writes it) with its code cache when valid, and runs it. */
export function runCommonJsBundle(file: string): BundleRun {
  // ASCII only, so Latin-1 decodes it exactly, without UTF-8 validation, to a one-byte string. It has no
  // import() either (scripts/build.mjs turns them into require()): Node 20 loses a script's dynamic-import
  // hook when V8 takes the script from the cache.
  const source = readFileSync(file, "latin1");
  const cacheFile = `${file}.v8cache`;
  const stored = readIfPresent(cacheFile);
  const cachedData = stored && dataFor(source, stored);
  const script = new Script(wrap(source), { filename: file, cachedData });
  const cache: CodeCacheState = !stored
    ? "missing"
    : !cachedData
      ? "stale"
      : script.cachedDataRejected
        ? "rejected"
        : "used";
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return { cache, exports: module.exports, save: () => saveCodeCache(script, source, cacheFile) };
}

/** V8's data from a cache file written by a run of this bundle text, whole; undefined otherwise. */
function dataFor(source: string, stored: Buffer): Buffer | undefined {
  const data = stored.subarray(KEY_BYTES);
  return stored.subarray(0, KEY_BYTES).equals(keyOf(source, data)) ? data : undefined;
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written aside and renamed into place: instances starting together never read half a file. */
function saveCodeCache(script: Script, source: string, cacheFile: string): boolean {
  const aside = `${cacheFile}.${randomUUID()}.tmp`;
  try {
    const data = script.createCachedData();
    writeFileSync(aside, Buffer.concat([keyOf(source, data), data]));
    renameSync(aside, cacheFile);
    return true;
  } catch {
    rmSync(aside, { force: true });
    return false;
  }
}
