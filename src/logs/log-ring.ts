// Owns the in-memory ring of recent balancer log lines (GET /api/dashboard/logs/lb, LogLine events). Pure:
// bounded to `capacity` lines, oldest dropped first; every line is size-capped before it is kept.
import type { LogLevel } from "../config.js";
import type { LogLineJson } from "../events/types.js";

export const LOG_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A kept line's JSON is at most this many characters; longer lines keep time/level and a cut msg. */
export const MAX_LINE_CHARS = 4096;
const MAX_MSG_CHARS = 1024;

export interface LogRing {
  /** Keeps one line (already serialised as `json`); returns what was kept (capped). */
  push(entry: LogLineJson, json: string): LogLineJson;
  /** The newest `limit` lines at `level` or above, oldest first. */
  recent(level: LogLevel, limit: number): LogLineJson[];
  readonly size: number;
}

/** A line too large to keep whole: its time, level and the start of its message, marked truncated. */
export function capLine(entry: LogLineJson, json: string): LogLineJson {
  if (json.length <= MAX_LINE_CHARS) return entry;
  return {
    time: entry.time,
    level: entry.level,
    msg: String(entry.msg).slice(0, MAX_MSG_CHARS),
    truncated: true,
  };
}

export function createLogRing(capacity: number): LogRing {
  // A circular buffer: `start` is the oldest line once full.
  const lines: LogLineJson[] = [];
  let start = 0;
  return {
    push(entry, json) {
      const kept = capLine(entry, json);
      if (lines.length < capacity) lines.push(kept);
      else {
        lines[start] = kept;
        start = (start + 1) % capacity;
      }
      return kept;
    },
    recent(level, limit) {
      const minimum = LOG_RANK[level];
      const out: LogLineJson[] = [];
      for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
        const line = lines[(start + i) % lines.length] as LogLineJson;
        if (LOG_RANK[line.level] >= minimum) out.push(line);
      }
      return out.reverse();
    },
    get size() {
      return lines.length;
    },
  };
}
