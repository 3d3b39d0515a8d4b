// Owns the shape of what the HTTP layer is given: every dependency built once by an entry.
import type { Context, MiddlewareHandler } from "hono";
import type { AuditWriter } from "./audit/store.js";
import type { Auth } from "./auth/service.js";
import type { TpsTracker } from "./balancer/tps-tracker.js";
import type { BenchmarkService } from "./benchmarks/service.js";
import type { Clock, Random } from "./clock.js";
import type { Config } from "./config.js";
import type { DatabaseHandle } from "./db/client.js";
import type { EventBus } from "./events/bus.js";
import type { EventStreamHub } from "./events/event-stream.js";
import type { KeyUsage } from "./limits/key-usage.js";
import type { Logger } from "./logger.js";
import type { LogRing } from "./logs/log-ring.js";
import type { RequestMetrics } from "./metrics/request-metrics.js";
import type { ProxyParts } from "./proxy/compose-proxy.js";
import type { EndpointRegistry } from "./registry/registry.js";
import type { EndpointReader } from "./registry/types.js";
import type { CompletionSink, LiveStats } from "./stats/types.js";
import type { UpstreamClient } from "./upstream/types.js";

/** proxy, liveLoad and circuits come from ProxyParts (src/proxy/compose-proxy.ts). */
export interface AppDeps extends ProxyParts {
  config: Config;
  database: DatabaseHandle;
  clock: Clock;
  random: Random;
  upstream: UpstreamClient;
  events: EventBus;
  /** Upstream endpoints and their models in memory: what the router, routes and dashboard read (never the database). */
  directory: EndpointReader;
  /** Commands on endpoints (create, edit, delete, sync, health checks); writes the database, then the directory. */
  registry: EndpointRegistry;
  /** Fans bus events out to SSE clients (GET /api/events). */
  eventStream: EventStreamHub;
  /** Prometheus request counters and histograms, fed by RequestCompleted events. */
  requestMetrics: RequestMetrics;
  /** Speed measurements per endpoint × model × api kind (routing signals, TPS). */
  tracker: TpsTracker;
  /** Where the proxy hands every finished request. */
  completions: CompletionSink;
  /** Live request counters, the 60-minute timeline and the average response time (memory only). */
  stats: LiveStats;
  logger: Logger;
  /** Recent log lines (LLMLB_LOG_BUFFER_LINES) for the dashboard's log tail. */
  logRing: LogRing;
  /** Identifies this process among instances sharing one database. */
  instanceId: string;
  /** Runs background work past the response (waitUntil on Workers); errors are logged, never thrown. */
  defer: (work: Promise<unknown>) => void;
  /** The peer address of the request's connection (runtime-specific); null when unknown. */
  clientAddress: (c: Context) => string | null;
  /** TPS benchmark runs (POST /api/benchmarks/tps). */
  benchmarks: BenchmarkService;
  /** Sessions, API keys and accounts; the guard in src/auth/guard.ts reads the principal from them. */
  auth: Auth;
  /** Per-key usage against rate_limit_rpm / token_limit_daily, shared through the database by a job. */
  keyUsage: KeyUsage;
  /** The hash-chained audit log. */
  audit: AuditWriter;
  /** Serves the built dashboard under /dashboard/ (runtime-specific file access); absent on Workers (static assets). */
  serveDashboard?: MiddlewareHandler;
}
