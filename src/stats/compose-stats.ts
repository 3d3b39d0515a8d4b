// Owns building the recorder's parts once per process/isolate: the state (memory), the writer (database),
// the completion sink the proxy is given, the LiveStats the HTTP layer reads and the ports its jobs take.
import type { TpsTracker } from "../balancer/tps-tracker.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DatabaseHandle } from "../db/client.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";
import { type BatchStore, inProcessBatchStore } from "./batch-store.js";
import { createCompletionSink } from "./completion-sink.js";
import type { StatsJobPorts } from "./stats-jobs.js";
import { createStatsState, liveStatsOf } from "./stats-state.js";
import { createStatsWriter, type StatsWriter } from "./stats-writer.js";
import type { CompletionSink, LiveStats } from "./types.js";

export interface StatsParts {
  writer: StatsWriter;
  /** Where the writer's batches go; closed at shutdown after the last flush. */
  store: BatchStore;
  /** What restore / checkpoint / retention / stop (stats-jobs.ts) work on. */
  ports: StatsJobPorts;
  live: LiveStats;
  /** Where the proxy hands every finished request. */
  completions: CompletionSink;
}

export function composeStats(input: {
  config: Config;
  clock: Clock;
  database: DatabaseHandle;
  events: EventBus;
  logger: Logger;
  tracker: TpsTracker;
  instanceId: string;
  /** Measured latencies of every endpoint (online or not): the average response time's fallback. */
  latencies: () => readonly (number | null)[];
  /** See RuntimeParts.flushAfterCompletionMs (Workers). */
  flushAfterCompletionMs: number | undefined;
  /** See RuntimeParts.createBatchStore (Node and Bun, local file: the file store); absent: in-process. */
  createBatchStore: ((logger: Logger) => BatchStore | undefined) | undefined;
  defer: (work: Promise<unknown>) => void;
  sleep: (ms: number) => Promise<void>;
}): StatsParts {
  const { clock, database, logger, sleep } = input;
  const state = createStatsState();
  const off = input.config.recorderOff;
  const store = input.createBatchStore?.(logger) ?? inProcessBatchStore(database);
  // Recorder off (bench baseline): nothing is added to the state, so no flush ever finds work.
  const writer: StatsWriter = off
    ? { flush: () => Promise.resolve("empty") }
    : createStatsWriter({ store, state, logger, sleep });
  const sink = createCompletionSink({
    state: off ? null : state,
    tracker: input.tracker,
    events: input.events,
    logger,
    logBodies: input.config.logBodies,
    logBodyMaxBytes: input.config.logBodyMaxBytes,
    now: () => clock.now(),
  });
  const ports: StatsJobPorts = {
    state,
    database,
    tracker: input.tracker,
    log: logger.child({ component: "recorder" }),
    instanceId: input.instanceId,
    sleep,
  };
  const completions =
    input.flushAfterCompletionMs === undefined
      ? sink
      : flushingSoon(sink, () => writer.flush(), input.flushAfterCompletionMs, input);
  return { writer, store, ports, live: liveStatsOf(state, () => clock.now(), input.latencies), completions };
}

/** A sink that, after the first request of a burst, flushes once `delayMs` later (through defer). */
export function flushingSoon(
  sink: CompletionSink,
  flush: () => Promise<unknown>,
  delayMs: number,
  run: { defer: (work: Promise<unknown>) => void; sleep: (ms: number) => Promise<void> },
): CompletionSink {
  let scheduled: Promise<void> | null = null;
  return {
    logsBodies: sink.logsBodies,
    ...(sink.bodyMaxBytes === undefined ? {} : { bodyMaxBytes: sink.bodyMaxBytes }),
    record(completion, details) {
      sink.record(completion, details);
      if (scheduled) return;
      scheduled = run
        .sleep(delayMs)
        .then(async () => void (await flush()))
        .finally(() => {
          scheduled = null;
        });
      run.defer(scheduled);
    },
  };
}
