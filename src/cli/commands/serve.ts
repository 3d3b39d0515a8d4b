// Owns `llmlb serve`: the Node server (dist/server.js, built first when missing or stale, as `npm start`
// does) in this process, with the command's options mapped onto LLMLB_* variables.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import { CliError } from "../client.js";
import { type CliIo, positiveInt } from "../context.js";

const ROOT = new URL("../../../", import.meta.url).pathname;

interface ServeOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  databaseUrl?: string;
  endpoints?: string;
}

/** Options win over the environment; anything not given keeps its LLMLB_* value or default. */
export function serveEnvironment(options: ServeOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.host !== undefined) env.LLMLB_HOST = options.host;
  if (options.port !== undefined) env.LLMLB_PORT = String(options.port);
  if (options.dataDir !== undefined) env.LLMLB_DATA_DIR = options.dataDir;
  if (options.databaseUrl !== undefined) env.LLMLB_DATABASE_URL = options.databaseUrl;
  if (options.endpoints !== undefined) env.LLMLB_ENDPOINTS = options.endpoints;
  return env;
}

export function serveCommand(io: CliIo): Command {
  return new Command("serve")
    .description("run llmlb on Node (every LLMLB_* variable applies; see README Configuration)")
    .option("--host <host>", "listen address (LLMLB_HOST)")
    .option("--port <port>", "listen port (LLMLB_PORT)", positiveInt("--port", 65_535))
    .option("--data-dir <dir>", "data directory (LLMLB_DATA_DIR)")
    .option("--database-url <url>", "libSQL URL (LLMLB_DATABASE_URL)")
    .option("--endpoints <list>", "declared endpoints, e.g. gpu1=http://10.0.0.5:11434 (LLMLB_ENDPOINTS)")
    .action(async (options: ServeOptions) => {
      io.stderr("serve: building dist/server.js if needed\n");
      const build = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--if-needed"], {
        cwd: ROOT,
        stdio: ["ignore", "inherit", "inherit"],
      });
      if (build.status !== 0) throw new CliError(`the build failed (exit ${build.status}); see above`);
      Object.assign(process.env, serveEnvironment(options));
      await import(pathToFileURL(join(ROOT, "dist/server.js")).href);
    });
}
