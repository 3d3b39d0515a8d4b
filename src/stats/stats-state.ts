// Owns the recorder's in-memory state: what is waiting to be written (pending-writes), the counters as last
// persisted, the 60-minute ring, the response-time window and this instance's own served counters. Pure:
// every reading or change that depends on time is given `now`. The writer and jobs work on it through here.
import type { CompletionRecord } from "../events/types.js";
import { createMinuteRing, type MinuteRing } from "./minute-ring.js";
import type { HistoryExtras } from "./pending-writes.js";
import {
  addCounters,
  countCompletion,
  createPendingWrites,
  type PendingWrites,
  zeroCounters,
} from "./pending-writes.js";
import { averageResponseTime, createResponseTimes, type ResponseTimes } from "./response-times.js";
import type { DailyStatsRow, LiveStats, MinutePoint, RequestCounters } from "./types.js";

/** History rows kept in memory while the database is unavailable; beyond it the oldest are dropped. */
export const MAX_WAITING_ROWS = 20_000;

export interface StatsState {
  readonly pending: PendingWrites;
  readonly ring: MinuteRing;
  readonly durations: ResponseTimes;
  /** Counters as last read from (or written to) the database: every instance's flushed requests. */
  persisted: Map<string, RequestCounters>;
  /** History rows dropped (buffer full) since the writer last reported it. */
  dropped: number;
  /** The boot restore ran: writes may start (they would otherwise overwrite what is not read yet). */
  restored: boolean;
  /** Adds one finished request at `now` (bodies only when they are to be stored). */
  add(completion: CompletionRecord, extras: HistoryExtras, now: number): void;
  /** Persisted plus unwritten counters of one endpoint (zeros when it has none). */
  countersOf(endpointId: string): RequestCounters;
  totals(): RequestCounters;
  /** Requests this process / isolate finished since it started (nothing from the database). */
  servedSinceStart(): RequestCounters;
  history(now: number): MinutePoint[];
  averageResponseTimeMs(latenciesMs: readonly (number | null)[]): number | null;
  pendingDaily(endpointId: string): DailyStatsRow[];
}

export function createStatsState(maxWaitingRows = MAX_WAITING_ROWS): StatsState {
  const pending = createPendingWrites(maxWaitingRows);
  const ring = createMinuteRing();
  const durations = createResponseTimes();
  const served = zeroCounters();
  const state: StatsState = {
    pending,
    ring,
    durations,
    persisted: new Map(),
    dropped: 0,
    restored: false,
    add(completion, extras, now) {
      const ok = completion.status === "success";
      ring.add(completion.finished_at, ok, now);
      if (ok && completion.endpoint_id !== null) durations.add(completion.duration_ms);
      countCompletion(served, completion);
      state.dropped += pending.add(completion, extras);
    },
    countersOf(endpointId) {
      const sum = zeroCounters();
      const stored = state.persisted.get(endpointId);
      if (stored) addCounters(sum, stored);
      const unwritten = pending.counters(endpointId);
      if (unwritten) addCounters(sum, unwritten);
      return sum;
    },
    totals() {
      const sum = zeroCounters();
      for (const id of new Set([...state.persisted.keys(), ...pending.counterIds()])) {
        addCounters(sum, state.countersOf(id));
      }
      return sum;
    },
    servedSinceStart: () => ({ ...served }),
    history: (now) => ring.snapshot(now),
    averageResponseTimeMs: (latenciesMs) => averageResponseTime(durations, latenciesMs),
    pendingDaily: (endpointId) => pending.daily(endpointId),
  };
  return state;
}

/** The read side the HTTP layer gets (LiveStats): the state at the clock's `now`, with endpoint latencies. */
export function liveStatsOf(
  state: StatsState,
  now: () => number,
  /** Measured latencies of every endpoint (online or not): the average's fallback. */
  latencies: () => readonly (number | null)[],
): LiveStats {
  return {
    countersOf: (endpointId) => state.countersOf(endpointId),
    totals: () => state.totals(),
    servedSinceStart: () => state.servedSinceStart(),
    history: () => state.history(now()),
    averageResponseTimeMs: () => state.averageResponseTimeMs(latencies()),
    pendingDaily: (endpointId) => state.pendingDaily(endpointId),
  };
}
