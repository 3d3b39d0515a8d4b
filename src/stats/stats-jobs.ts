// Owns the recorder's periodic and lifecycle work as plain functions over StatsState: restoring the
// in-memory view at boot, TPS checkpoints, request_history retention and the shutdown flush.
import type { TpsEntry, TpsTracker } from "../balancer/tps-tracker.js";
import { type DatabaseHandle, retryWhileBusy } from "../db/client.js";
import {
  readDailyStats,
  readEndpointCounters,
  readMinuteCounts,
  readRecentDurations,
} from "../db/stats-reads.js";
import {
  adoptCheckpoints,
  deleteClientHoursBefore,
  deleteHistoryBefore,
  writeCheckpoint,
} from "../db/stats-writes.js";
import type { Logger } from "../logger.js";
import { windowStart } from "./minute-ring.js";
import { utcDate } from "./pending-writes.js";
import { RESPONSE_WINDOW } from "./response-times.js";
import type { StatsState } from "./stats-state.js";
import type { StatsWriter } from "./stats-writer.js";
import { entriesFromDaily, mergeCheckpoints, restoredEntries } from "./tps-restore.js";

/** Expired history rows deleted per statement, and statements per retention run. */
export const RETENTION_BATCH = 1_000;
const RETENTION_STATEMENTS_PER_RUN = 5;
const DAY_MS = 86_400_000;
/** Shutdown: flush attempts against a failing database before giving up, and the pause between them (ms). */
const STOP_RETRIES = { attempts: 20, pauseMs: 100 };

export interface StatsJobPorts {
  state: StatsState;
  database: DatabaseHandle;
  tracker: TpsTracker;
  log: Logger;
  instanceId: string;
  /** Pauses between retries (a database busy with another instance's write). */
  sleep: (ms: number) => Promise<void>;
}

/**
 * Boot: rebuilds the in-memory view from the database. Steps are independent: one failing leaves its metric
 * empty, the others still run; a step that meets a database busy with another instance is retried first.
 */
export async function restoreStats(ports: StatsJobPorts, now: number): Promise<void> {
  const { state, tracker, log } = ports;
  if (state.restored) return;
  const db = ports.database.db;
  const step = async (name: string, work: () => Promise<void>) => {
    try {
      await retryWhileBusy(work, ports.sleep);
    } catch (error) {
      log.warn("could not restore metric from the database; starting it empty", { metric: name, error });
    }
  };
  await step("request counters", async () => {
    const rows = await readEndpointCounters(db);
    state.persisted = new Map(rows.map(({ id, latencyMs: _latency, ...counters }) => [id, counters]));
  });
  await step("request timeline", async () => {
    for (const minute of await readMinuteCounts(db, windowStart(now))) {
      state.ring.addCounts(minute.minuteStart, minute.success, minute.error, now);
    }
  });
  await step("average response time", async () => {
    state.durations.seed(await readRecentDurations(db, RESPONSE_WINDOW));
  });
  let checkpoint: TpsEntry[] = [];
  let today: TpsEntry[] = [];
  await step("tps checkpoint", async () => {
    checkpoint = await adoptCheckpoints(db, ports.instanceId, now, mergeCheckpoints);
  });
  await step("tps from today's daily stats", async () => {
    today = entriesFromDaily(await readDailyStats(db, utcDate(now)));
  });
  tracker.restore(restoredEntries(checkpoint, today, tracker.entries()));
  state.restored = true;
  log.info("statistics restored", { tps_keys: tracker.entries().length, endpoints: state.persisted.size });
}

/** Writes this instance's TPS state to model_tps_state (nothing before the restore). */
export async function checkpointTps(ports: StatsJobPorts, now: number): Promise<void> {
  if (!ports.state.restored) return;
  try {
    await writeCheckpoint(ports.database.db, ports.instanceId, ports.tracker.entries(), now);
  } catch (error) {
    ports.log.warn("TPS checkpoint failed; will retry", { error });
  }
}

/**
 * Deletes request_history (bodies and attempts are columns of its rows, so they go with them) and the
 * client hours older than the retention, in bounded statements; returns history rows deleted.
 */
export async function pruneHistory(
  ports: StatsJobPorts,
  now: number,
  retentionDays: number,
): Promise<number> {
  if (!ports.database.migrated) return 0;
  const cutoff = now - retentionDays * DAY_MS;
  let deleted = 0;
  for (let i = 0; i < RETENTION_STATEMENTS_PER_RUN; i++) {
    const count = await deleteHistoryBefore(ports.database.db, cutoff, RETENTION_BATCH);
    deleted += count;
    if (count < RETENTION_BATCH) break;
  }
  await deleteClientHoursBefore(ports.database.db, cutoff);
  if (deleted > 0) ports.log.debug("expired request history deleted", { rows: deleted });
  return deleted;
}

/** Shutdown: flushes everything buffered (bounded retries), then checkpoints. */
export async function stopStats(ports: StatsJobPorts, writer: StatsWriter, now: () => number): Promise<void> {
  const { state, log } = ports;
  if (!state.restored) {
    log.warn("database never became available; buffered statistics are not persisted", {
      waiting_rows: state.pending.waitingRows,
    });
    return;
  }
  let failures = 0;
  for (;;) {
    const result = await writer.flush();
    if (result === "empty") break;
    if (result === "failed" && ++failures >= STOP_RETRIES.attempts) {
      log.error("statistics could not be written at shutdown", { waiting_rows: state.pending.waitingRows });
      break;
    }
    if (result === "failed") await ports.sleep(STOP_RETRIES.pauseMs);
  }
  await checkpointTps(ports, now());
}
