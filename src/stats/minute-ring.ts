// Owns the per-minute request timeline: success/error counts for the last 60 minutes. Pure: takes `now`.
import { isoTime } from "../http/wire-time.js";
import type { MinutePoint } from "./types.js";

export const RING_MINUTES = 60;
export const MINUTE_MS = 60_000;

export interface MinuteRing {
  /** Counts one finished request at epoch ms `at`; minutes already outside the window are ignored. */
  add(at: number, ok: boolean, now: number): void;
  /** Adds counts for the minute starting at epoch ms `minuteStart` (rebuilding from request_history). */
  addCounts(minuteStart: number, success: number, error: number, now: number): void;
  /** RING_MINUTES points, oldest first, the minute containing `now` last; gaps are zeros. */
  snapshot(now: number): MinutePoint[];
}

/** Index of the minute containing epoch ms `at`. */
export const minuteOf = (at: number): number => Math.floor(at / MINUTE_MS);

/** Epoch ms of the start of the oldest minute still shown at `now`. */
export const windowStart = (now: number): number => (minuteOf(now) - RING_MINUTES + 1) * MINUTE_MS;

export function createMinuteRing(): MinuteRing {
  // minute index → counts; holds only minutes inside the window (pruned on every write).
  const minutes = new Map<number, { success: number; error: number }>();

  const prune = (now: number) => {
    const oldest = minuteOf(now) - RING_MINUTES + 1;
    for (const minute of minutes.keys()) if (minute < oldest) minutes.delete(minute);
  };

  const bump = (minute: number, success: number, error: number, now: number) => {
    if (minute < minuteOf(now) - RING_MINUTES + 1) return;
    const slot = minutes.get(minute);
    if (slot) {
      slot.success += success;
      slot.error += error;
    } else {
      minutes.set(minute, { success, error });
      if (minutes.size > RING_MINUTES) prune(now);
    }
  };

  return {
    add(at, ok, now) {
      bump(minuteOf(at), ok ? 1 : 0, ok ? 0 : 1, now);
    },
    addCounts(minuteStart, success, error, now) {
      bump(minuteOf(minuteStart), success, error, now);
    },
    snapshot(now) {
      prune(now);
      const last = minuteOf(now);
      const points: MinutePoint[] = [];
      for (let minute = last - RING_MINUTES + 1; minute <= last; minute++) {
        const slot = minutes.get(minute);
        points.push({
          minute: isoTime(minute * MINUTE_MS),
          success: slot?.success ?? 0,
          error: slot?.error ?? 0,
        });
      }
      return points;
    },
  };
}
