// Owns the write-behind recorder: every completion updates the in-memory view at once (counters, minute
// ring, response times, TPS tracker, events) and is written to the database in batches off the request path;
// plus restoring that view at boot, TPS checkpoints and history retention.
import type { TpsEntry, TpsTracker } from "../balancer/tps-tracker.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { createBatchSql } from "../db/batch-sql.js";
import { type DatabaseHandle, retryWhileBusy } from "../db/client.js";
import {
  readDailyStats,
  readEndpointCounters,
  readMinuteCounts,
  readRecentDurations,
} from "../db/stats-reads.js";
import { adoptCheckpoints, deleteHistoryBefore, writeCheckpoint } from "../db/stats-writes.js";
import type { EventBus } from "../events/bus.js";
import type { CompletionRecord } from "../events/types.js";
import type { Logger } from "../logger.js";
import { createMinuteRing, windowStart } from "./minute-ring.js";
import { addCounters, createPendingWrites, utcDate, zeroCounters } from "./pending-writes.js";
import { averageResponseTime, createResponseTimes, RESPONSE_WINDOW } from "./response-times.js";
import { entriesFromDaily, mergeCheckpoints, restoredEntries } from "./tps-restore.js";
import type { CompletionSink, LiveStats, RecordedBodies, RequestCounters } from "./types.js";

/** History rows kept in memory while the database is unavailable; beyond it the oldest are dropped. */
export const MAX_WAITING_ROWS = 20_000;
/**
 * History rows written per transaction. Small batches keep each synchronous libSQL write short (a few ms on
 * the event loop) instead of one long pause; a backlog is drained batch after batch (see flush()).
 */
export const ROWS_PER_FLUSH = 256;
/** Batches one flush() writes at most while a backlog remains, yielding to requests between them. */
export const MAX_BATCHES_PER_FLUSH = 40;
/** Stored body size bound (characters) when bodies are logged. */
const MAX_BODY_CHARS = 64 * 1024;
/** Expired history rows deleted per statement, and statements per retention run. */
export const RETENTION_BATCH = 1_000;
const RETENTION_STATEMENTS_PER_RUN = 5;
const DAY_MS = 86_400_000;

export interface RecorderOptions {
  config: Config;
  database: DatabaseHandle;
  tracker: TpsTracker;
  events: EventBus;
  logger: Logger;
  clock: Clock;
  instanceId: string;
  /**
   * Pauses between shutdown flush attempts (a database busy with another instance's write), and — with 0 —
   * yields to pending requests between the batches of a backlog.
   */
  sleep: (ms: number) => Promise<void>;
}

export type FlushResult = "empty" | "written" | "failed";

export interface StatsRecorder extends CompletionSink, LiveStats {
  /** Measured latencies of every endpoint (online or not), read by averageResponseTimeMs(). */
  setLatencySource(source: () => readonly (number | null)[]): void;
  /** Boot: rebuilds the in-memory view from the database; each step degrades to empty on failure. */
  restore(): Promise<void>;
  /**
   * Writes one batch, then further batches while history rows still wait (up to MAX_BATCHES_PER_FLUSH,
   * yielding between them); nothing before restore() ran. Returns the last batch's result.
   */
  flush(): Promise<FlushResult>;
  /** Writes this instance's TPS state to model_tps_state. */
  checkpoint(): Promise<void>;
  /** Deletes expired request_history in bounded statements; returns rows deleted. */
  pruneHistory(): Promise<number>;
  /** Flushes everything buffered (bounded retries) and checkpoints. */
  stop(): Promise<void>;
}

const truncate = (body: string | null) =>
  body !== null && body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body;

export function createStatsRecorder(options: RecorderOptions): StatsRecorder {
  const { config, database, tracker, events, logger, clock } = options;
  const log = logger.child({ component: "recorder" });
  const pending = createPendingWrites(MAX_WAITING_ROWS);
  const batchSql = createBatchSql();
  const ring = createMinuteRing();
  const durations = createResponseTimes();
  /** Counters as last read from the database (they include every instance's flushed requests). */
  let persisted = new Map<string, RequestCounters>();
  let bootLatencies: (number | null)[] = [];
  let latencySource: () => readonly (number | null)[] = () => bootLatencies;
  let restored = false;
  let flushing: Promise<FlushResult> | null = null;
  let dropped = 0;
  let failing = false;

  const publish = (completion: CompletionRecord, entry: TpsEntry | undefined) => {
    events.publish({ type: "RequestCompleted", data: completion });
    // Only a request the tracker took (a success on an endpoint) changes the speed figures.
    if (!entry) return;
    events.publish({
      type: "TpsUpdated",
      data: {
        endpoint_id: entry.endpointId,
        model_id: entry.model,
        api_kind: entry.apiKind,
        tps: entry.tps,
        output_tokens: completion.output_tokens,
        duration_ms: completion.duration_ms,
        request_count: entry.requestCount,
        total_output_tokens: entry.totalOutputTokens,
        average_duration_ms: entry.requestCount > 0 ? entry.totalDurationMs / entry.requestCount : null,
        ttft_ms: entry.ttftMs,
        decode_tps: entry.decodeTps,
      },
    });
  };

  const writeOne = async (): Promise<FlushResult> => {
    if (dropped > 0) {
      log.warn("request history buffer full; dropped the oldest rows (counters and daily stats kept)", {
        dropped_rows: dropped,
      });
      dropped = 0;
    }
    const batch = pending.take(ROWS_PER_FLUSH);
    if (!batch) return "empty";
    try {
      persisted = await batchSql.write(database.client, batch);
      pending.settle();
      if (failing) log.info("database writes resumed", { waiting_rows: pending.waitingRows });
      failing = false;
      return "written";
    } catch (error) {
      dropped += pending.putBack();
      if (!failing) {
        log.warn("cannot write statistics; keeping them in memory and retrying", {
          error,
          waiting_rows: pending.waitingRows,
        });
      }
      failing = true;
      return "failed";
    }
  };

  const drain = async (): Promise<FlushResult> => {
    let result = await writeOne();
    for (let batches = 1; result === "written" && pending.waitingRows > 0; batches++) {
      if (batches >= MAX_BATCHES_PER_FLUSH) break;
      await options.sleep(0);
      result = await writeOne();
    }
    return result;
  };

  /**
   * Restore steps are independent: one failing leaves its metric empty, the others still run. A step that
   * meets a database busy with another instance (e.g. both booting) is retried first.
   */
  const step = async (name: string, work: () => Promise<void>) => {
    try {
      await retryWhileBusy(work, options.sleep);
    } catch (error) {
      log.warn("could not restore metric from the database; starting it empty", { metric: name, error });
    }
  };

  // A deleted endpoint's measurements go with it (its daily stats and history stay as history).
  events.subscribe((event) => {
    if (event.type === "EndpointRemoved") tracker.forget(event.data.endpoint_id);
  });

  const recorder: StatsRecorder = {
    record(completion, bodies?: RecordedBodies) {
      try {
        const ok = completion.status === "success";
        ring.add(completion.finished_at, ok, clock.now());
        if (ok && completion.endpoint_id !== null) durations.add(completion.duration_ms);
        const stored =
          config.logBodies && bodies
            ? { request: truncate(bodies.request), response: truncate(bodies.response) }
            : null;
        dropped += pending.add(completion, stored);
        publish(completion, tracker.observe(completion));
      } catch (error) {
        log.error("recording a completion failed", { request_id: completion.request_id, error });
      }
    },

    countersOf(endpointId) {
      const sum = zeroCounters();
      const stored = persisted.get(endpointId);
      if (stored) addCounters(sum, stored);
      const unwritten = pending.counters(endpointId);
      if (unwritten) addCounters(sum, unwritten);
      return sum;
    },
    totals() {
      const sum = zeroCounters();
      for (const id of new Set([...persisted.keys(), ...pending.counterIds()])) {
        addCounters(sum, recorder.countersOf(id));
      }
      return sum;
    },
    history: () => ring.snapshot(clock.now()),
    averageResponseTimeMs: () => averageResponseTime(durations, latencySource()),
    pendingDaily: (endpointId) => pending.daily(endpointId),

    setLatencySource(source) {
      latencySource = source;
    },

    async restore() {
      if (restored) return;
      const now = clock.now();
      const db = database.db;
      await step("request counters", async () => {
        const rows = await readEndpointCounters(db);
        persisted = new Map(rows.map(({ id, latencyMs: _latency, ...counters }) => [id, counters]));
        bootLatencies = rows.map((row) => row.latencyMs);
      });
      await step("request timeline", async () => {
        for (const minute of await readMinuteCounts(db, windowStart(now))) {
          ring.addCounts(minute.minuteStart, minute.success, minute.error, now);
        }
      });
      await step("average response time", async () => {
        durations.seed(await readRecentDurations(db, RESPONSE_WINDOW));
      });
      let checkpoint: TpsEntry[] = [];
      let today: TpsEntry[] = [];
      await step("tps checkpoint", async () => {
        checkpoint = await adoptCheckpoints(db, options.instanceId, now, mergeCheckpoints);
      });
      await step("tps from today's daily stats", async () => {
        today = entriesFromDaily(await readDailyStats(db, utcDate(now)));
      });
      tracker.restore(restoredEntries(checkpoint, today, tracker.entries()));
      restored = true;
      log.info("statistics restored", { tps_keys: tracker.entries().length, endpoints: persisted.size });
    },

    flush() {
      if (!restored) return Promise.resolve("failed");
      const run = (flushing ?? Promise.resolve("empty" as FlushResult)).then(drain);
      flushing = run;
      void run.finally(() => {
        if (flushing === run) flushing = null;
      });
      return run;
    },

    async checkpoint() {
      if (!restored) return;
      try {
        await writeCheckpoint(database.db, options.instanceId, tracker.entries(), clock.now());
      } catch (error) {
        log.warn("TPS checkpoint failed; will retry", { error });
      }
    },

    async pruneHistory() {
      if (!database.migrated) return 0;
      const cutoff = clock.now() - config.requestHistoryRetentionDays * DAY_MS;
      let deleted = 0;
      for (let i = 0; i < RETENTION_STATEMENTS_PER_RUN; i++) {
        const count = await deleteHistoryBefore(database.db, cutoff, RETENTION_BATCH);
        deleted += count;
        if (count < RETENTION_BATCH) break;
      }
      if (deleted > 0) log.debug("expired request history deleted", { rows: deleted });
      return deleted;
    },

    async stop() {
      if (!restored) {
        log.warn("database never became available; buffered statistics are not persisted", {
          waiting_rows: pending.waitingRows,
        });
        return;
      }
      let failures = 0;
      for (;;) {
        const result = await recorder.flush();
        if (result === "empty") break;
        if (result === "failed" && ++failures >= 20) {
          log.error("statistics could not be written at shutdown", { waiting_rows: pending.waitingRows });
          break;
        }
        if (result === "failed") await options.sleep(100);
      }
      await recorder.checkpoint();
    },
  };
  return recorder;
}
