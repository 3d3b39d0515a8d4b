// Owns the options every CLI command shares (--url, --api-key, --user, --password, --json, --timeout) and
// running one command: connect, act, log out, report a failure as one line.
import { type Command, InvalidArgumentError } from "commander";
import { Api, CliError } from "./client.js";
import type { Printer } from "./output.js";

export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  user?: string;
  password?: string;
  json: boolean;
  timeout: number;
}

export interface Run {
  api: Api;
  out: Printer;
  /** The exit code the command asks for (a failed probe is printed, then exits 1). */
  exitCode: number;
}

/** The process pieces a command touches; the bin passes the real ones. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

export function positiveInt(label: string, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < 1 || value > max) {
      throw new InvalidArgumentError(`${label} must be a whole number from 1 to ${max}`);
    }
    return value;
  };
}

/** Secrets never become commander defaults (help would print them): the environment is read at run time. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option("--url <url>", "llmlb base URL (env LLMLB_URL; default http://127.0.0.1:32768)")
    .option("--api-key <key>", "API key (sk_…) or session token (env LLMLB_API_KEY)")
    .option("--user <name>", "log in as this user for the command (env LLMLB_USER)")
    .option("--password <password>", "password for --user (env LLMLB_PASSWORD)")
    .option("--json", "print JSON instead of tables", false)
    .option("--timeout <secs>", "per-request timeout in seconds", positiveInt("--timeout", 3600), 30);
}

/** Wraps a command's action: builds the Api from the global options, always logs out, maps failures. */
export function action<A extends unknown[]>(
  io: CliIo,
  body: (run: Run, ...args: A) => Promise<void>,
): (...args: [...A, Command]) => Promise<void> {
  return async (...args) => {
    const command = args[args.length - 1] as Command;
    const options = command.optsWithGlobals<GlobalOptions>();
    const api = new Api({
      url: options.url || io.env.LLMLB_URL || "http://127.0.0.1:32768",
      // Flags beat the environment; from the same place, an API key beats a user.
      apiKey: options.apiKey || (options.user ? undefined : io.env.LLMLB_API_KEY) || undefined,
      user: options.user || (options.apiKey ? undefined : io.env.LLMLB_USER) || undefined,
      password: options.password || io.env.LLMLB_PASSWORD || undefined,
      timeoutMs: options.timeout * 1000,
    });
    const run: Run = { api, out: { json: options.json, write: io.stdout }, exitCode: 0 };
    try {
      await body(run, ...(args.slice(0, -1) as A));
    } finally {
      await api.close();
    }
    if (run.exitCode !== 0) throw new CliError("", run.exitCode);
  };
}
