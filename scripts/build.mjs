// Builds the Node server (esbuild: dist/server-bundle.cjs, the server and its dependencies, and
// dist/server.js, which runs it) and the dashboard into web/dist (vite), with Swagger UI's files for
// /api/docs.
// `--if-needed` skips a step whose output is newer than every one of its inputs.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";

const ifNeeded = process.argv.includes("--if-needed");

function newestMtime(paths) {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path))
        if (entry !== "dist" && entry !== "node_modules") visit(join(path, entry));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const path of paths) visit(path);
  return newest;
}

function upToDate(output, inputs) {
  return ifNeeded && existsSync(output) && statSync(output).mtimeMs >= newestMtime(inputs);
}

const SERVER_INPUTS = ["src", "package.json", "package-lock.json"];
const SERVER_BUNDLES = ["dist/server.js", "dist/server-bundle.cjs"];
const RANKS_FILE = "dist/o200k_base.ranks.json";
const SERVER_OUTPUTS = [...SERVER_BUNDLES, RANKS_FILE];
if (SERVER_OUTPUTS.every((output) => upToDate(output, SERVER_INPUTS))) {
  console.log("build: dist/server.js is up to date");
} else {
  console.log(
    "build: bundling src/server.ts → dist/server-bundle.cjs, its launcher → dist/server.js (+ dist/o200k_base.ranks.json)",
  );
  const shared = {
    outdir: "dist",
    bundle: true,
    platform: "node",
    target: "node20",
    // Dependencies are bundled too, except the native libSQL driver and gpt-tokenizer (4 MiB of encodings,
    // imported on the first token estimate only). Measured reason: loading them from node_modules file by
    // file (resolving, reading and compiling dozens of modules) was most of a restart's CPU; restart →
    // /ready went from 271 to 185 ms (medians of 10, interleaved) and idle RSS from 85 to 80 MiB.
    external: ["@libsql/client", "libsql", "gpt-tokenizer"],
    sourcemap: true,
    logLevel: "warning",
  };
  // The server as CommonJS: dist/server.js (src/node-launcher.ts) compiles it with V8's code cache, which
  // Node 20 offers for scripts only (measured reason in src/runtime/code-cache.ts). Strict, as the ES
  // modules it is built from.
  await build({
    ...shared,
    entryPoints: { "server-bundle": "src/server.ts" },
    outExtension: { ".js": ".cjs" },
    format: "cjs",
    // import() becomes require(): Node 20 loses a script's dynamic-import hook when V8 takes the script
    // from the code cache (the call then throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
    supported: { "dynamic-import": false },
    banner: { js: '"use strict";' },
  });
  // The launcher.
  await build({
    ...shared,
    entryPoints: { server: "src/node-launcher.ts" },
    format: "esm",
    // Bundled CommonJS dependencies require Node's built-in modules: give the ES modules a require.
    banner: {
      js: 'import { createRequire as __llmlbRequire } from "node:module"; const require = __llmlbRequire(import.meta.url);',
    },
  });
  for (const file of SERVER_BUNDLES) writeFileSync(file, asciiOnly(file));
  // gpt-tokenizer's o200k ranks as JSON, which the server loads on its first token estimate
  // (src/runtime/tokenizer-ranks.ts: the measured reason).
  const ranks = createRequire(import.meta.url)("gpt-tokenizer/bpeRanks/o200k_base").default;
  writeFileSync(RANKS_FILE, JSON.stringify(ranks));
}

/**
 * The bundle's text with every character outside ASCII written as a \u escape. V8 keeps a script's source
 * for the life of the process, one byte per character only if every character is Latin-1; esbuild escapes
 * such characters in code but leaves comments as they are, so a handful of arrows and symbols in comments
 * (the only place they remain) made the whole 1.4 MB bundle two bytes per character. Measured reason: the
 * live heap after boot went from 12.72 to 11.38 MiB (node dist/server.js, after a full collection). ASCII
 * rather than Latin-1: the launcher then reads the bundle as Latin-1, exactly and without UTF-8 decoding.
 */
function asciiOnly(file) {
  return readFileSync(file, "utf8").replace(/[\u0080-\u{10ffff}]/gu, (character) => {
    const code = character.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

if (existsSync("web/index.html")) {
  if (upToDate("web/dist/index.html", ["web", "src/events/types.ts", "package-lock.json"])) {
    console.log("build: web/dist is up to date");
  } else {
    console.log("build: building the dashboard → web/dist");
    const result = spawnSync(
      process.execPath,
      ["node_modules/vite/bin/vite.js", "build", "web", "--logLevel", "warn"],
      {
        stdio: "inherit",
      },
    );
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}

// The API reference page (/api/docs) loads Swagger UI from the dashboard build: copy swagger-ui-dist's files.
if (existsSync("web/dist")) {
  const target = "web/dist/api-docs";
  mkdirSync(target, { recursive: true });
  for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
    copyFileSync(join("node_modules/swagger-ui-dist", file), join(target, file));
  }
}
