// Owns building the per-key limits once per process/isolate: the usage state, the completion sink that
// meters each key's output tokens into it, and the job that shares usage through the database.
import type { AppDatabase } from "../db/client.js";
import type { Logger } from "../logger.js";
import { flushingSoon } from "../stats/compose-stats.js";
import type { CompletionSink } from "../stats/types.js";
import { createKeyUsage, type KeyUsage } from "./key-usage.js";
import { createUsageSync } from "./usage-sync.js";

export interface LimitParts {
  keyUsage: KeyUsage;
  /** The proxy's completion sink, metering output tokens per key on the way. */
  completions: CompletionSink;
  /** Shares usage through the database (jobs.keyUsageSync, and once at stop). */
  sync: () => Promise<void>;
}

export function composeLimits(input: {
  db: AppDatabase;
  now: () => number;
  completions: CompletionSink;
  /** See RuntimeParts.flushAfterCompletionMs (Workers): usage is shared that long after a burst too. */
  flushAfterCompletionMs: number | undefined;
  defer: (work: Promise<unknown>) => void;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
}): LimitParts {
  const keyUsage = createKeyUsage();
  const sync = createUsageSync({
    db: input.db,
    usage: keyUsage,
    now: input.now,
    onUnavailable: (error) =>
      input.logger.warn(
        "API key usage cannot be shared: the database is unavailable; limits count this instance only",
        {
          error,
        },
      ),
  });
  const metering: CompletionSink = {
    logsBodies: input.completions.logsBodies,
    record(completion, bodies) {
      input.completions.record(completion, bodies);
      if (completion.api_key_id) {
        keyUsage.addTokens(completion.api_key_id, completion.finished_at, completion.output_tokens);
      }
    },
  };
  const completions =
    input.flushAfterCompletionMs === undefined
      ? metering
      : flushingSoon(metering, sync, input.flushAfterCompletionMs, input);
  return { keyUsage, completions, sync };
}
