// Owns structured logging: one JSON object per line, filtered by level, written to an injected sink.
import type { LogLevel } from "./config.js";
import type { LogLineJson } from "./events/types.js";
import { isoTime } from "./http/wire-time.js";

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function serialiseError(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, cause: serialiseError(value.cause) };
  }
  return value;
}

export interface LoggerOptions {
  level: LogLevel;
  now: () => number;
  /** Receives each finished line (without newline). */
  write: (line: string) => void;
  /** Also receives each line, as the object it was serialised from (the in-memory log ring). */
  tap?: (entry: LogLineJson, line: string) => void;
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = RANK[options.level];
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const entry: LogFields = { time: isoTime(options.now()), level, msg: message, ...bound };
    if (fields) {
      for (const [key, value] of Object.entries(fields)) entry[key] = serialiseError(value);
    }
    const line = JSON.stringify(entry);
    options.write(line);
    options.tap?.(entry as LogLineJson, line);
  };
  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}
