// Owns the composition root: builds every dependency once from runtime-specific parts, plus the
// background jobs and start/stop steps that entries schedule and run.
import type { Context, Hono, MiddlewareHandler } from "hono";
import { createApp } from "./app.js";
import { createAuditWriter } from "./audit/store.js";
import { createAuth, LAST_USED_FLUSH_MS } from "./auth/service.js";
import { createTpsTracker } from "./balancer/tps-tracker.js";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import { createMetricsPublisher } from "./dashboard/metrics-publisher.js";
import { dashboardSnapshot } from "./dashboard/views.js";
import { type CreateLibsqlClient, openDatabase, type RunMigrations } from "./db/client.js";
import type { AppDeps } from "./deps.js";
import { createEventBus } from "./events/bus.js";
import { createEventStreamHub } from "./events/event-stream.js";
import { createKeyUsage } from "./limits/key-usage.js";
import { createUsageSync, USAGE_SYNC_MS } from "./limits/usage-sync.js";
import { createLogger } from "./logger.js";
import { createRequestMetrics, observeCompletions } from "./metrics/request-metrics.js";
import { composeProxy } from "./proxy/compose-proxy.js";
import { createTokenCounter, loadGptTokenizer } from "./proxy/token-counter.js";
import { createHealthSweep } from "./registry/health-sweep.js";
import { createEndpointRegistry } from "./registry/registry.js";
import { createSecretBox } from "./registry/secret-box.js";
import { systemTimers } from "./runtime/timers.js";
import { createStatsRecorder } from "./stats/recorder.js";
import type { UpstreamClient } from "./upstream/types.js";

export interface RuntimeParts {
  config: Config;
  createLibsqlClient: CreateLibsqlClient;
  /** Absent where migrations are applied out of band (Workers). */
  runMigrations?: RunMigrations;
  upstream: UpstreamClient;
  writeLog: (line: string) => void;
  clock: Clock;
  random: () => number;
  instanceId: string;
  /** waitUntil where the runtime has it; otherwise the promise just runs. */
  defer?: (work: Promise<unknown>) => void;
  clientAddress: (c: Context) => string | null;
  /** Key material for upstream API keys at rest; defaults to config.secretKey (Node/Bun pass a key file's). */
  secretKey?: string;
  /** Serves web/dist under /dashboard/ (Node, Bun); Workers use static assets instead. */
  serveDashboard?: MiddlewareHandler;
}

/** Periodic work; entries own the timers that call run() every intervalMs. */
export interface BackgroundJob {
  name: string;
  intervalMs: number;
  run(): Promise<void>;
}

export interface Composition {
  deps: AppDeps;
  app: Hono;
  jobs: BackgroundJob[];
  /** Boot work (migrations, restoring state). Never throws: failures are logged and retried by jobs. */
  start(): Promise<void>;
  /** Flushes what is buffered and closes the database. */
  stop(): Promise<void>;
}

const MIGRATION_RETRY_MS = 10_000;
/**
 * Recorder batches reach the database at most this long after the request (and on stop); frequent small
 * batches keep each synchronous write short.
 */
const STATS_FLUSH_MS = 200;
const HISTORY_RETENTION_MS = 10_000;
/** How often the sweep looks for endpoints whose own health_check_interval_secs has elapsed, ms. */
const HEALTH_SWEEP_TICK_MS = 2_000;
/** Below the 15 s that proxies and the dashboard treat as the longest silence on an SSE stream. */
const SSE_HEARTBEAT_MS = 10_000;
/** MetricsUpdated goes out at most this often, and only when the snapshot changed. */
const METRICS_UPDATED_MS = 1_000;

export function compose(parts: RuntimeParts): Composition {
  const { config, clock } = parts;
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const logger = createLogger({ level: config.logLevel, now: () => clock.now(), write: parts.writeLog });
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

  const eventStream = createEventStreamHub({
    bus: events,
    maxBacklogBytes: config.sseClientBacklogBytes,
    schedule: (fn, delayMs) => void setTimeout(fn, delayMs),
    onSlowClient: (info) =>
      logger.warn("SSE client fell too far behind; disconnected", { backlog_bytes: info.backlogBytes }),
  });
  const requestMetrics = createRequestMetrics();
  observeCompletions(events, requestMetrics);
  const tracker = createTpsTracker();
  const recorder = createStatsRecorder({
    config,
    database,
    tracker,
    events,
    logger,
    clock,
    instanceId: parts.instanceId,
    sleep,
  });
  const auth = createAuth({ config, database, clock, logger });
  const keyUsage = createKeyUsage();
  const syncUsage = createUsageSync({ db: database.db, usage: keyUsage, now: () => clock.now() });
  const registry = createEndpointRegistry({
    database,
    probes: {
      upstream: parts.upstream,
      timeoutMs: config.probeTimeoutMs,
      monotonic: () => clock.monotonic(),
    },
    clock,
    events,
    logger,
    secrets: createSecretBox(parts.secretKey ?? config.secretKey),
    defaultHealthCheckIntervalSecs: config.healthCheckIntervalSecs,
  });
  recorder.setLatencySource(() => registry.list().map((endpoint) => endpoint.latencyMs));
  const deps: AppDeps = {
    config,
    database,
    clock,
    random: parts.random,
    upstream: parts.upstream,
    events,
    registry,
    eventStream,
    requestMetrics,
    tracker,
    completions: {
      record(completion, bodies) {
        recorder.record(completion, bodies);
        if (completion.api_key_id) {
          keyUsage.addTokens(completion.api_key_id, completion.finished_at, completion.output_tokens);
        }
      },
    },
    stats: recorder,
    logger,
    instanceId: parts.instanceId,
    defer,
    clientAddress: parts.clientAddress,
    auth,
    keyUsage,
    audit: createAuditWriter({ database, clock, sleep }),
    ...composeProxy({
      config,
      clock,
      random: parts.random,
      timers: systemTimers,
      speeds: tracker,
      directory: registry,
      upstream: parts.upstream,
      // Late-bound: whatever sink ends up on deps.completions receives every record.
      completions: { record: (completion) => deps.completions.record(completion) },
      logger,
      events,
      // gpt-tokenizer loads on the first estimate, not at boot (memory, cold start).
      tokens: createTokenCounter(loadGptTokenizer, (error) =>
        logger.warn("token counter unavailable; estimating tokens from text length", { error }),
      ),
    }),
    serveDashboard: parts.serveDashboard,
  };

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
    if (database.migrated) await recorder.restore();
  };

  let adminReady = false;
  const bootstrapAdmin = async () => {
    if (!adminReady && database.migrated) adminReady = await auth.accounts.bootstrapAdmin();
  };

  const loadRegistry = async () => {
    if (await registry.load()) await registry.upsertDeclared(config.declaredEndpoints);
    else registry.serveDeclaredWithoutDatabase(config.declaredEndpoints);
  };
  const healthSweep = createHealthSweep({ registry, clock, whenUnloaded: loadRegistry });

  const metricsPublisher = createMetricsPublisher(events, () => dashboardSnapshot(deps));
  const jobs: BackgroundJob[] = [
    {
      name: "database-migration-retry",
      intervalMs: MIGRATION_RETRY_MS,
      run: async () => {
        if (!database.migrated) await migrateAndRestore();
        await bootstrapAdmin();
      },
    },
    {
      name: "api-key-last-used-flush",
      intervalMs: LAST_USED_FLUSH_MS,
      run: () => auth.apiKeys.flushLastUsed(),
    },
    {
      name: "key-usage-sync",
      intervalMs: USAGE_SYNC_MS,
      run: syncUsage,
    },
    { name: "stats-flush", intervalMs: STATS_FLUSH_MS, run: async () => void (await recorder.flush()) },
    { name: "tps-checkpoint", intervalMs: config.tpsCheckpointIntervalSecs * 1000, run: recorder.checkpoint },
    {
      name: "request-history-retention",
      intervalMs: HISTORY_RETENTION_MS,
      run: async () => void (await recorder.pruneHistory()),
    },
    { name: "health-sweep", intervalMs: HEALTH_SWEEP_TICK_MS, run: () => healthSweep.run() },
    // One timer for every SSE connection: a comment written to each client keeps proxies from closing it.
    { name: "sse-heartbeat", intervalMs: SSE_HEARTBEAT_MS, run: async () => eventStream.heartbeat() },
    {
      name: "metrics-updated",
      intervalMs: METRICS_UPDATED_MS,
      run: async () => void metricsPublisher.tick(),
    },
  ];

  return {
    deps,
    app: createApp(deps),
    jobs,
    async start() {
      if (config.authDisabled) {
        const msg =
          "AUTHENTICATION DISABLED for /v1/*: anyone who can reach this port can use every endpoint";
        logger.warn(msg, { variable: "LLMLB_AUTH_DISABLED" });
      }
      await migrateAndRestore();
      await bootstrapAdmin();
      await loadRegistry();
    },
    async stop() {
      // One last chance for a database that was unavailable so far, so buffered statistics get written.
      if (!database.migrated) await migrateAndRestore();
      await recorder.stop();
      await syncUsage().catch((error: unknown) => logger.error("writing API key usage failed", { error }));
      await auth.apiKeys
        .flushLastUsed()
        .catch((error: unknown) => logger.error("flushing API key last-used times failed", { error }));
      eventStream.closeAll();
      database.close();
      await parts.upstream.close();
    },
  };
}

/** The database URL without credentials, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@").replace(/([?&]authToken=)[^&]*/i, "$1***");
}
