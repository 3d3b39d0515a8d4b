// Owns the composition root: builds every dependency once from runtime-specific parts and wires them
// through narrow ports, plus the background jobs (a typed record; entries own their timers) and the
// start/stop steps entries run. What runs every 200 ms: jobs.statsFlush (the recorder's database batch).
import type { Hono } from "hono";
import { createApp } from "./app.js";
import { createAuditWriter } from "./audit/store.js";
import { type Auth, createAuth, LAST_USED_FLUSH_MS } from "./auth/service.js";
import { createTpsTracker } from "./balancer/tps-tracker.js";
import type { BenchmarkService } from "./benchmarks/service.js";
import {
  composeBenchmarks,
  composeEventStream,
  composeProxyFor,
  composeRegistry,
  type Foundation,
} from "./compose-services.js";
import { createMetricsPublisher } from "./dashboard/metrics-publisher.js";
import { dashboardSnapshot } from "./dashboard/views.js";
import { openDatabase } from "./db/client.js";
import type { AppDeps } from "./deps.js";
import { createEventBus } from "./events/bus.js";
import type { EventStreamHub } from "./events/event-stream.js";
import { trustedClientAddress } from "./http/client-address.js";
import { composeLimits, type LimitParts } from "./limits/compose-limits.js";
import { USAGE_SYNC_MS } from "./limits/usage-sync.js";
import { createLogger } from "./logger.js";
import { createLogRing } from "./logs/log-ring.js";
import { createRequestMetrics, observeCompletions } from "./metrics/request-metrics.js";
import { createHealthSweep } from "./registry/health-sweep.js";
import type { EndpointRegistry } from "./registry/registry.js";
import type { RuntimeParts } from "./runtime-parts.js";
import { composeStats, type StatsParts } from "./stats/compose-stats.js";
import { checkpointTps, pruneHistory, restoreStats, stopStats } from "./stats/stats-jobs.js";

export type { RuntimeParts };

/** Periodic work; entries own the timers that call run() every intervalMs. */
export interface BackgroundJob {
  intervalMs: number;
  run(): Promise<void>;
}

/** Every background job by name (entries schedule them all; tests run one). */
export interface Jobs {
  databaseMigrationRetry: BackgroundJob;
  apiKeyLastUsedFlush: BackgroundJob;
  /** Every 200 ms: the recorder's batch of counters, daily stats and request history. */
  statsFlush: BackgroundJob;
  /** Every second: per-key usage shared with other instances (rate_limit_rpm, token_limit_daily). */
  keyUsageSync: BackgroundJob;
  tpsCheckpoint: BackgroundJob;
  requestHistoryRetention: BackgroundJob;
  healthSweep: BackgroundJob;
  sseHeartbeat: BackgroundJob;
  metricsUpdated: BackgroundJob;
}

export type JobName = keyof Jobs;

export interface Composition {
  deps: AppDeps;
  app: Hono;
  jobs: Jobs;
  /** Boot work (migrations, restoring state). Never throws: failures are logged and retried by jobs. */
  start(): Promise<void>;
  /** Flushes what is buffered and closes the database. */
  stop(): Promise<void>;
}

/** How often each job runs, ms. */
const INTERVALS_MS = {
  databaseMigrationRetry: 10_000,
  /**
   * Recorder batches reach the database at most this long after the request (and on stop); frequent small
   * batches keep each synchronous write short.
   */
  statsFlush: 200,
  requestHistoryRetention: 10_000,
  /** How often the sweep looks for endpoints whose own health_check_interval_secs has elapsed. */
  healthSweep: 2_000,
  /** Below the 15 s that proxies and the dashboard treat as the longest silence on an SSE stream. */
  sseHeartbeat: 10_000,
  /** MetricsUpdated goes out at most this often, and only when the snapshot changed. */
  metricsUpdated: 1_000,
} as const;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The parts everything else is built on: log (and its in-memory tail), database, bus, background work. */
function foundation(parts: RuntimeParts): Foundation {
  const { config, clock } = parts;
  const logRing = createLogRing(config.logBufferLines);
  // Each kept line also goes to admin event streams as LogLine, once the hub is attached.
  let hub: EventStreamHub | null = null;
  const logger = createLogger({
    level: config.logLevel,
    now: () => clock.now(),
    write: parts.writeLog,
    tap: (entry, line) => {
      const kept = logRing.push(entry, line);
      hub?.sendToAdmins("LogLine", kept === entry ? line : JSON.stringify(kept));
    },
  });
  const database = openDatabase({
    url: config.databaseUrl,
    authToken: config.databaseAuthToken,
    createClient: parts.createLibsqlClient,
    runMigrations: parts.runMigrations,
    sleep,
  });
  const events = createEventBus({
    now: () => clock.now(),
    firstId: clock.now() * 1000,
    onListenerError: (error) => logger.error("event listener failed", { error }),
  });
  const defer =
    parts.defer ??
    ((work: Promise<unknown>) => {
      work.catch((error: unknown) => logger.error("background work failed", { error }));
    });
  const attachLogTail = (eventStream: EventStreamHub) => {
    hub = eventStream;
  };
  return { logger, logRing, attachLogTail, database, events, defer };
}

export function compose(parts: RuntimeParts): Composition {
  const { config, clock } = parts;
  const base = foundation(parts);
  const { logger, database, events } = base;
  const eventStream = composeEventStream(config, base);
  const requestMetrics = createRequestMetrics();
  observeCompletions(events, requestMetrics);
  const tracker = createTpsTracker();
  const { directory, registry } = composeRegistry(parts, base);
  const stats = composeStats({
    config,
    clock,
    ...base,
    tracker,
    instanceId: parts.instanceId,
    latencies: () => directory.list().map((endpoint) => endpoint.latencyMs),
    flushAfterCompletionMs: parts.flushAfterCompletionMs,
    createBatchStore: parts.createBatchStore,
    sleep,
  });
  const auth = createAuth({ config, database, clock, logger });
  const limits = composeLimits({
    db: database.db,
    now: () => clock.now(),
    completions: stats.completions,
    flushAfterCompletionMs: parts.flushAfterCompletionMs,
    defer: base.defer,
    sleep,
    logger,
  });
  const proxy = composeProxyFor(parts, base, { tracker, directory, completions: limits.completions });
  // A deleted endpoint's measurements go with it (its daily stats and history stay as history).
  events.subscribe((event) => {
    if (event.type === "EndpointRemoved") tracker.forget(event.data.endpoint_id);
  });
  const deps: AppDeps = {
    ...proxy,
    config,
    database,
    clock,
    random: parts.random,
    upstream: parts.upstream,
    events,
    directory,
    registry,
    eventStream,
    requestMetrics,
    tracker,
    completions: limits.completions,
    stats: stats.live,
    logger,
    logRing: base.logRing,
    instanceId: parts.instanceId,
    defer: base.defer,
    clientAddress: trustedClientAddress(parts.clientAddress, config.trustedProxies),
    auth,
    keyUsage: limits.keyUsage,
    audit: createAuditWriter({ database, clock, sleep }),
    serveDashboard: parts.serveDashboard,
    benchmarks: composeBenchmarks(parts, base, directory, proxy.proxy),
  };
  const lifecycle = composeLifecycle(parts, {
    ...base,
    registry,
    auth,
    stats,
    eventStream,
    limits,
    benchmarks: deps.benchmarks,
  });
  return {
    deps,
    app: createApp(deps),
    jobs: composeJobs(parts, deps, lifecycle, { stats, limits }),
    start: lifecycle.start,
    stop: lifecycle.stop,
  };
}

interface LifecycleParts extends Foundation {
  benchmarks: BenchmarkService;
  registry: EndpointRegistry;
  auth: Auth;
  stats: StatsParts;
  eventStream: EventStreamHub;
  limits: LimitParts;
}

/** Boot and shutdown steps, and the retries the jobs run while the database is unavailable. */
function composeLifecycle(parts: RuntimeParts, input: LifecycleParts) {
  const { config, clock } = parts;
  const { logger, database, registry, auth, stats } = input;
  const migrateOrWarn = async () => {
    if (database.migrated) return;
    if (await database.migrate()) {
      logger.info("database ready", { url: redactUrl(config.databaseUrl) });
      return;
    }
    const readiness = await database.readiness();
    logger.warn("database unavailable; serving without persistence and retrying", {
      url: redactUrl(config.databaseUrl),
      reason: readiness.ready ? "unknown" : readiness.reason,
    });
  };
  /** Restores the statistics once the schema is there (at boot, or when the retry job succeeds). */
  const migrateAndRestore = async () => {
    await migrateOrWarn();
    if (database.migrated) await restoreStats(stats.ports, clock.now());
  };
  let adminReady = false;
  const bootstrapAdmin = async () => {
    if (!adminReady && database.migrated) adminReady = await auth.accounts.bootstrapAdmin();
  };
  const loadRegistry = async () => {
    if (await registry.load()) await registry.upsertDeclared(config.declaredEndpoints);
    else await registry.serveDeclaredWithoutDatabase(config.declaredEndpoints);
  };
  const start = async () => {
    if (config.authDisabled) {
      const msg = "AUTHENTICATION DISABLED for /v1/*: anyone who can reach this port can use every endpoint";
      logger.warn(msg, { variable: "LLMLB_AUTH_DISABLED" });
    }
    await migrateAndRestore();
    await bootstrapAdmin();
    await loadRegistry();
  };
  return {
    migrateAndRestore,
    bootstrapAdmin,
    loadRegistry,
    start,
    stop: () => stop(parts, input, migrateAndRestore),
  };
}

async function stop(parts: RuntimeParts, input: LifecycleParts, migrateAndRestore: () => Promise<void>) {
  const { logger, database, auth, stats } = input;
  // One last chance for a database that was unavailable so far, so buffered statistics get written.
  if (!database.migrated) await migrateAndRestore();
  // Benchmark runs in flight are cancelled (and recorded as such) before the last statistics flush.
  await input.benchmarks.stop();
  await stopStats(stats.ports, stats.writer, () => parts.clock.now());
  await stats.store.close();
  await input.limits
    .sync()
    .catch((error: unknown) => logger.error("writing API key usage failed", { error }));
  await auth.apiKeys
    .flushLastUsed()
    .catch((error: unknown) => logger.error("flushing API key last-used times failed", { error }));
  input.eventStream.closeAll();
  database.close();
  await parts.upstream.close();
}

function composeJobs(
  parts: RuntimeParts,
  deps: AppDeps,
  lifecycle: ReturnType<typeof composeLifecycle>,
  { stats, limits }: { stats: StatsParts; limits: LimitParts },
): Jobs {
  const { config, clock } = parts;
  const healthSweep = createHealthSweep({
    registry: deps.registry,
    directory: deps.directory,
    clock,
    whenUnloaded: lifecycle.loadRegistry,
    onLoaded: (id, models) => deps.tracker.setLoaded(id, models),
  });
  const metricsPublisher = createMetricsPublisher(deps.events, () => dashboardSnapshot(deps));
  return {
    databaseMigrationRetry: {
      intervalMs: INTERVALS_MS.databaseMigrationRetry,
      run: async () => {
        if (!deps.database.migrated) await lifecycle.migrateAndRestore();
        await lifecycle.bootstrapAdmin();
      },
    },
    apiKeyLastUsedFlush: { intervalMs: LAST_USED_FLUSH_MS, run: () => deps.auth.apiKeys.flushLastUsed() },
    statsFlush: { intervalMs: INTERVALS_MS.statsFlush, run: async () => void (await stats.writer.flush()) },
    keyUsageSync: { intervalMs: USAGE_SYNC_MS, run: limits.sync },
    tpsCheckpoint: {
      intervalMs: config.tpsCheckpointIntervalSecs * 1000,
      run: () => checkpointTps(stats.ports, clock.now()),
    },
    requestHistoryRetention: {
      intervalMs: INTERVALS_MS.requestHistoryRetention,
      run: async () =>
        void (await pruneHistory(stats.ports, clock.now(), config.requestHistoryRetentionDays)),
    },
    healthSweep: { intervalMs: INTERVALS_MS.healthSweep, run: () => healthSweep.run() },
    // One timer for every SSE connection: a comment written to each client keeps proxies from closing it.
    sseHeartbeat: { intervalMs: INTERVALS_MS.sseHeartbeat, run: async () => deps.eventStream.heartbeat() },
    metricsUpdated: {
      intervalMs: INTERVALS_MS.metricsUpdated,
      run: async () => void metricsPublisher.tick(),
    },
  };
}

/** The database URL without credentials, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@").replace(/([?&]authToken=)[^&]*/i, "$1***");
}
