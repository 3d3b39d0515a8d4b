// Owns building the services compose() wires together: registry, event stream, proxy, benchmark runs.

import type { TpsTracker } from "./balancer/tps-tracker.js";
import { BenchmarkService } from "./benchmarks/service.js";
import type { Config } from "./config.js";
import type { DatabaseHandle } from "./db/client.js";
import type { EventBus } from "./events/bus.js";
import { createEventStreamHub, type EventStreamHub } from "./events/event-stream.js";
import type { Logger } from "./logger.js";
import type { LogRing } from "./logs/log-ring.js";
import { composeProxy } from "./proxy/compose-proxy.js";
import type { ProxyService } from "./proxy/service.js";
import { createTokenCounter, loadGptTokenizer } from "./proxy/token-counter.js";
import { Directory } from "./registry/directory.js";
import { EndpointRegistry } from "./registry/registry.js";
import { RegistryWriter } from "./registry/registry-writer.js";
import { createSecretBox } from "./registry/secret-box.js";
import { systemTimers } from "./runtime/timers.js";
import type { RuntimeParts } from "./runtime-parts.js";
import type { CompletionSink } from "./stats/types.js";

/** The parts everything else is built on: log (and its in-memory tail), database, bus, background work. */
export interface Foundation {
  logger: Logger;
  logRing: LogRing;
  /** Each kept log line also goes to admin event streams once the hub is attached. */
  attachLogTail: (eventStream: EventStreamHub) => void;
  database: DatabaseHandle;
  events: EventBus;
  defer: (work: Promise<unknown>) => void;
}

/** Directory (memory), writer (database then memory) and the registry's commands. */
export function composeRegistry(parts: RuntimeParts, base: Foundation) {
  const { config, clock } = parts;
  const directory = new Directory();
  const writer = new RegistryWriter(
    base.database,
    directory,
    base.logger.child({ component: "registry" }),
    () => clock.now(),
  );
  const registry = new EndpointRegistry({
    writer,
    probes: {
      upstream: parts.upstream,
      timeoutMs: config.probeTimeoutMs,
      monotonic: () => clock.monotonic(),
    },
    events: base.events,
    logger: base.logger,
    secrets: createSecretBox(parts.secretKey ?? config.secretKey),
    defaults: { healthCheckIntervalSecs: config.healthCheckIntervalSecs },
    now: () => clock.now(),
  });
  return { directory, registry };
}

/** The SSE hub behind /api/events, with the admins' log tail attached. */
export function composeEventStream(config: Config, base: Foundation): EventStreamHub {
  const eventStream = createEventStreamHub({
    bus: base.events,
    maxBacklogBytes: config.sseClientBacklogBytes,
    schedule: (fn, delayMs) => void setTimeout(fn, delayMs),
    onSlowClient: (info) =>
      base.logger.warn("SSE client fell too far behind; disconnected", { backlog_bytes: info.backlogBytes }),
  });
  base.attachLogTail(eventStream);
  return eventStream;
}

/** The proxy, its live load and circuits, over the directory and the completion sink it is given. */
export function composeProxyFor(
  parts: RuntimeParts,
  base: Foundation,
  inputs: { tracker: TpsTracker; directory: Directory; completions: CompletionSink },
): ReturnType<typeof composeProxy> {
  const { logger } = base;
  return composeProxy({
    config: parts.config,
    clock: parts.clock,
    random: parts.random,
    timers: parts.timers ?? systemTimers,
    speeds: inputs.tracker,
    directory: inputs.directory,
    upstream: parts.upstream,
    completions: inputs.completions,
    logger,
    events: base.events,
    streamReply: parts.streamReply,
    // gpt-tokenizer loads on the first estimate, not at boot (memory, cold start).
    tokens: createTokenCounter(parts.loadTokenizer ?? loadGptTokenizer, (error) =>
      logger.warn("token counter unavailable; estimating tokens from text length", { error }),
    ),
  });
}

/** TPS benchmark runs: driven through the proxy like user traffic, kept in the database. */
export function composeBenchmarks(
  parts: RuntimeParts,
  base: Foundation,
  directory: Directory,
  proxy: ProxyService,
): BenchmarkService {
  return new BenchmarkService({
    database: base.database,
    directory,
    proxy,
    clock: parts.clock,
    events: base.events,
    logger: base.logger,
    defer: base.defer,
    timers: parts.timers ?? systemTimers,
  });
}
