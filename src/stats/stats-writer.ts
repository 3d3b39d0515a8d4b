// Owns writing the recorder's state to the database: one batch per writeOne() (counters, daily rows, up to
// BatchStore.rowsPerBatch history rows in one transaction), a backlog drained batch after batch, flushes
// serialised, failures kept in memory and retried. The only code that moves rows out of StatsState.pending.
import type { Logger } from "../logger.js";
import type { BatchStore } from "./batch-store.js";
import type { StatsState } from "./stats-state.js";

/** Batches one flush() writes at most while a backlog remains, yielding to requests between them. */
export const MAX_BATCHES_PER_FLUSH = 40;

export type FlushResult = "empty" | "written" | "failed";

export interface StatsWriter {
  /**
   * Writes one batch, then further batches while history rows still wait (up to MAX_BATCHES_PER_FLUSH,
   * yielding between them); "failed" before the boot restore ran. Returns the last batch's result.
   */
  flush(): Promise<FlushResult>;
}

export function createStatsWriter(options: {
  /** Where a batch goes: libSQL in-process, or the file store's own connection (Node and Bun, local file). */
  store: BatchStore;
  state: StatsState;
  logger: Logger;
  /** Yields to pending requests between the batches of a backlog (called with 0). */
  sleep: (ms: number) => Promise<void>;
}): StatsWriter {
  const { store, state } = options;
  const log = options.logger.child({ component: "recorder" });
  let flushing: Promise<FlushResult> | null = null;
  let failing = false;

  // Named for the bench's CPU profile (bench/main.ts RECORDER_FLUSH_FUNCTIONS).
  async function writeOne(): Promise<FlushResult> {
    if (state.dropped > 0) {
      log.warn("request history buffer full; dropped the oldest rows (counters and daily stats kept)", {
        dropped_rows: state.dropped,
      });
      state.dropped = 0;
    }
    const batch = state.pending.take(store.rowsPerBatch);
    if (!batch) return "empty";
    try {
      state.persisted = await store.write(batch);
      state.pending.settle();
      if (failing) log.info("database writes resumed", { waiting_rows: state.pending.waitingRows });
      failing = false;
      return "written";
    } catch (error) {
      state.dropped += state.pending.putBack();
      if (!failing) {
        log.warn("cannot write statistics; keeping them in memory and retrying", {
          error,
          waiting_rows: state.pending.waitingRows,
        });
      }
      failing = true;
      return "failed";
    }
  }

  const drain = async (): Promise<FlushResult> => {
    let result = await writeOne();
    for (let batches = 1; result === "written" && state.pending.waitingRows > 0; batches++) {
      if (batches >= MAX_BATCHES_PER_FLUSH) break;
      await options.sleep(0);
      result = await writeOne();
    }
    return result;
  };

  return {
    flush() {
      if (!state.restored) return Promise.resolve("failed");
      const run = (flushing ?? Promise.resolve("empty" as FlushResult)).then(drain);
      flushing = run;
      void run.finally(() => {
        if (flushing === run) flushing = null;
      });
      return run;
    },
  };
}
