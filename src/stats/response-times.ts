// Owns the average response time: a window of the most recent successful request durations (seeded from
// request_history at boot), falling back to measured endpoint latencies. Pure.

/** How many recent durations the average covers. */
export const RESPONSE_WINDOW = 1000;

export interface ResponseTimes {
  add(durationMs: number): void;
  /** Durations recorded before this process started, oldest first; they go behind the live ones. */
  seed(durationsMs: number[]): void;
  /** Mean of the window, ms; null when empty. */
  mean(): number | null;
}

export function createResponseTimes(capacity = RESPONSE_WINDOW): ResponseTimes {
  let values: number[] = [];
  let sum = 0;
  const evict = () => {
    while (values.length > capacity) sum -= values.shift() as number;
  };
  return {
    add(durationMs) {
      values.push(durationMs);
      sum += durationMs;
      evict();
    },
    seed(durationsMs) {
      const room = Math.max(0, capacity - values.length);
      const older = durationsMs.slice(Math.max(0, durationsMs.length - room));
      values = older.concat(values);
      sum = values.reduce((total, value) => total + value, 0);
    },
    mean() {
      return values.length === 0 ? null : sum / values.length;
    },
  };
}

/** Live/persisted durations first; otherwise the mean measured latency of any endpoint (online or not). */
export function averageResponseTime(
  durations: ResponseTimes,
  latenciesMs: readonly (number | null)[],
): number | null {
  const mean = durations.mean();
  if (mean !== null) return Math.round(mean * 10) / 10;
  const measured = latenciesMs.filter((value): value is number => value !== null && Number.isFinite(value));
  if (measured.length === 0) return null;
  return Math.round((measured.reduce((sum, value) => sum + value, 0) / measured.length) * 10) / 10;
}
