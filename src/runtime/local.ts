// Owns what the Node and Bun entries share: config from the raw environment (exit on error), the data
// directory, the migrations folder, job timers and graceful shutdown. Entries alone call it.
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import type { Context } from "hono";
import type { Clock } from "../clock.js";
import { type BackgroundJob, type Composition, compose, type RuntimeParts } from "../compose.js";
import { type Config, ConfigError, parseConfig } from "../config.js";
import type { CreateLibsqlClient } from "../db/client.js";
import { migrationsFrom } from "../db/migrate.js";
import { dashboardFiles, type StaticFactory } from "../http/dashboard.js";
import type { Logger } from "../logger.js";
import type { UpstreamClient } from "../upstream/types.js";

/** Parses the environment; on a bad value prints one line naming the variable and exits 2. */
export function configOrExit(raw: Record<string, string | undefined>): Config {
  try {
    return parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`llmlb: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** The data directory and the database's directory: owner only (they hold password hashes, keys). */
const PRIVATE_DIR = 0o700;
/** The database, its WAL/SHM/journal companions (SQLite gives them the database's mode) and secret.key. */
const PRIVATE_FILE = 0o600;
const DATABASE_COMPANIONS = ["", "-wal", "-shm", "-journal"];

/**
 * Creates the data directory and a file: database's directory (0700 when created here), and the database
 * file itself as 0600 before libSQL opens it; an existing database and its companions are tightened to
 * 0600. Failures are left for the database handle to report.
 */
export function ensureDatabaseDirectory(config: Config): void {
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: PRIVATE_DIR });
  } catch {
    // Reported where the directory is used (secret.key, a file database).
  }
  if (!config.databaseUrl.startsWith("file:")) return;
  const path = config.databaseUrl.slice("file:".length).split("?")[0] ?? "";
  if (path === "" || path === ":memory:") return;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR });
    closeSync(openSync(path, "a", PRIVATE_FILE));
    for (const suffix of DATABASE_COMPANIONS) {
      if (existsSync(path + suffix)) chmodSync(path + suffix, PRIVATE_FILE);
    }
  } catch {
    // Reported by the database handle (readiness and a boot warning); the balancer still starts.
  }
}

/** The built dashboard: web/dist, one level above both src/ (bun, tsx) and dist/ (the Node bundle). */
export function dashboardRoot(entryUrl: string): string {
  return join(dirname(fileURLToPath(entryUrl)), "..", "web", "dist");
}

/** drizzle/ sits one level above both src/ (bun, tsx) and dist/ (the Node bundle). */
export function localMigrations(entryUrl: string) {
  return migrationsFrom(join(dirname(fileURLToPath(entryUrl)), "..", "drizzle"));
}

const SECRET_KEY_FILE = "secret.key";

/**
 * Key material for upstream API keys at rest: LLMLB_SECRET_KEY, else `secret.key` in the data directory,
 * generated once (32 random bytes, base64, mode 0600). undefined when neither is available (then storing
 * an API key is refused with a clear error; everything else works).
 */
export function secretKeyMaterial(config: Config): string | undefined {
  if (config.secretKey !== undefined) return config.secretKey;
  const file = join(config.dataDir, SECRET_KEY_FILE);
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    // Not there yet: create it below.
  }
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: PRIVATE_DIR });
    writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: PRIVATE_FILE, flag: "wx" });
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    process.stderr.write(`llmlb: cannot create ${file}: ${(error as Error).message}\n`);
    return undefined;
  }
}

/**
 * The runtime parts the Node and Bun entries share: config from the environment (exit on error), the
 * database directory, local migrations, stdout logging, the system clock, this process's instance id and
 * the key material; `serveDashboard` from the runtime's serveStatic when web/dist exists.
 */
export function localParts(
  env: Record<string, string | undefined>,
  entryUrl: string,
  runtime: {
    createLibsqlClient: CreateLibsqlClient;
    upstream: UpstreamClient;
    clientAddress: (c: Context) => string | null;
    serveStatic: StaticFactory;
  },
): RuntimeParts {
  const config = configOrExit(env);
  ensureDatabaseDirectory(config);
  const webRoot = dashboardRoot(entryUrl);
  return {
    config,
    createLibsqlClient: runtime.createLibsqlClient,
    runMigrations: localMigrations(entryUrl),
    upstream: runtime.upstream,
    writeLog: (line) => process.stdout.write(`${line}\n`),
    clock: systemClock,
    random: Math.random,
    instanceId: newInstanceId(),
    secretKey: secretKeyMaterial(config),
    clientAddress: runtime.clientAddress,
    serveDashboard: existsSync(webRoot) ? dashboardFiles(runtime.serveStatic, webRoot) : undefined,
  };
}

/** Builds the app from the entry's parts, routes console output to its logger, boots it and starts its jobs. */
export async function startLocal(
  parts: RuntimeParts,
): Promise<{ composition: Composition; stopJobs: () => void }> {
  const composition = compose(parts);
  routeConsoleTo(composition.deps.logger);
  await composition.start();
  return { composition, stopJobs: scheduleJobs(composition) };
}

type ConsoleMethods = Pick<Console, "log" | "info" | "debug" | "warn" | "error">;

/**
 * Makes what libraries print through `console` (e.g. @hono/node-server reporting a response stream that
 * failed, such as an SSE client cut off for falling behind) one JSON log line like every other.
 */
export function routeConsoleTo(logger: Logger, target: ConsoleMethods = console): void {
  const bridge =
    (level: "debug" | "info" | "warn" | "error") =>
    (...args: unknown[]): void => {
      const error = args.find((arg): arg is Error => arg instanceof Error);
      const text = args
        .filter((arg) => arg !== error)
        .map((arg) => (typeof arg === "string" ? arg : inspect(arg, { depth: 3, breakLength: Infinity })))
        .join(" ");
      const message = text || (error ? `${error.name}: ${error.message}` : "");
      logger[level](message, error ? { source: "console", error } : { source: "console" });
    };
  target.log = bridge("info");
  target.info = bridge("info");
  target.debug = bridge("debug");
  target.warn = bridge("warn");
  target.error = bridge("error");
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** Node (@hono/node-server): the socket of the incoming message. */
export function nodeClientAddress(c: Context): string | null {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Starts one timer per job; a run never overlaps the previous run of the same job. */
export function scheduleJobs(composition: Composition): () => void {
  const timers = Object.entries(composition.jobs).map(([name, job]: [string, BackgroundJob]) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      job
        .run()
        .catch((error: unknown) =>
          composition.deps.logger.error("background job failed", { job: name, error }),
        )
        .finally(() => {
          running = false;
        });
    }, job.intervalMs);
    timer.unref?.();
    return timer;
  });
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}

export interface Stoppable {
  /** Stop accepting connections; resolves when in-flight requests finished. */
  close(): Promise<void>;
  /** Drop every remaining connection (used when the drain bound is hit). */
  forceClose(): void;
}

/** SIGTERM/SIGINT: stop accepting, drain in-flight up to the bound, flush, close the database, exit 0. */
export function handleShutdownSignals(
  composition: Composition,
  server: Stoppable,
  stopJobs: () => void,
): void {
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const log = composition.deps.logger;
    const boundMs = composition.deps.config.shutdownTimeoutSecs * 1000;
    log.info("shutting down", { signal, drain_timeout_secs: composition.deps.config.shutdownTimeoutSecs });
    stopJobs();
    // Event streams never end by themselves: end them now so the drain waits only for real requests
    // (clients reconnect elsewhere with Last-Event-ID).
    composition.deps.eventStream.closeAll();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), boundMs);
    });
    const drained = await Promise.race([server.close().then(() => "drained" as const), bound]);
    clearTimeout(timer);
    if (drained === "timeout") {
      log.warn("in-flight requests still open after the drain bound; closing them");
      server.forceClose();
    }
    try {
      await composition.stop();
    } catch (error) {
      log.error("error while flushing at shutdown", { error });
    }
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
