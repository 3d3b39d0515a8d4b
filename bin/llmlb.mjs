#!/usr/bin/env node
// The `llmlb` bin: runs the TypeScript CLI (src/cli/main.ts) through tsx, so no build step is needed.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/cli/main.ts");
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
// `serve` keeps running (its server holds the event loop); every other command exits with its code.
if (process.argv[2] !== "serve" || code !== 0) process.exitCode = code;
