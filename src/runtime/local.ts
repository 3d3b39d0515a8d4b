// Owns what the Node and Bun entries share: config from the raw environment (exit on error), the data
// directory, the migrations folder, job timers and graceful shutdown. Entries alone call it.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "hono";
import type { Clock } from "../clock.js";
import type { BackgroundJob, Composition } from "../compose.js";
import { type Config, ConfigError, parseConfig } from "../config.js";
import { migrationsFrom } from "../db/migrate.js";

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

/** Creates the directory of a file: database URL; failures are left for the database handle to report. */
export function ensureDatabaseDirectory(config: Config): void {
  if (!config.databaseUrl.startsWith("file:")) return;
  const path = config.databaseUrl.slice("file:".length).split("?")[0] ?? "";
  if (path === "" || path === ":memory:") return;
  try {
    mkdirSync(dirname(path), { recursive: true });
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
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    process.stderr.write(`llmlb: cannot create ${file}: ${(error as Error).message}\n`);
    return undefined;
  }
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
  const timers = composition.jobs.map((job: BackgroundJob) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      job
        .run()
        .catch((error: unknown) =>
          composition.deps.logger.error("background job failed", { job: job.name, error }),
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
