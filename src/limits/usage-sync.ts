// Owns sharing per-key usage through the database: this process's deltas are added to the shared rows
// (additive UPSERTs, so processes never overwrite each other), then the current minute's and day's totals
// of every key are read back. Runs every USAGE_SYNC_MS: another instance's usage counts here within that.
import { and, inArray, like, lt, sql } from "drizzle-orm";
import type { AppDatabase } from "../db/client.js";
import { apiKeyUsage } from "../db/schema.js";
import type { KeyUsage, UsageCount } from "./key-usage.js";

/** How often usage is shared between instances, ms (the "flush interval" of the per-key limits). */
export const USAGE_SYNC_MS = 1_000;
/** Minute rows older than this are deleted, ms. */
const MINUTE_ROWS_KEPT_MS = 5 * 60_000;
/** How often old minute rows are deleted, ms. */
const PRUNE_EVERY_MS = 60_000;

async function addUsage(db: AppDatabase, deltas: UsageCount[]): Promise<void> {
  const [first, ...rest] = deltas.map((delta) =>
    db
      .insert(apiKeyUsage)
      .values(delta)
      .onConflictDoUpdate({
        target: [apiKeyUsage.keyId, apiKeyUsage.window],
        set: {
          requests: sql`${apiKeyUsage.requests} + ${delta.requests}`,
          outputTokens: sql`${apiKeyUsage.outputTokens} + ${delta.outputTokens}`,
        },
      }),
  );
  if (first) await db.batch([first, ...rest]);
}

async function readUsage(db: AppDatabase, windows: string[]): Promise<UsageCount[]> {
  return db.select().from(apiKeyUsage).where(inArray(apiKeyUsage.window, windows));
}

export function createUsageSync(options: {
  db: AppDatabase;
  usage: KeyUsage;
  now: () => number;
  /** Told once per outage (the first failed sync), not every second. */
  onUnavailable: (error: unknown) => void;
}) {
  const { db, usage, now } = options;
  let prunedAt = 0;
  let failing = false;
  const syncOnce = async (): Promise<void> => {
    const taken = usage.takePending();
    try {
      await addUsage(db, taken);
    } catch (error) {
      usage.settle(false, null);
      throw error;
    }
    const at = now();
    const { minute, day } = usage.windows(at);
    let fresh: UsageCount[] | null = null;
    try {
      fresh = await readUsage(db, [minute, day]);
    } finally {
      usage.settle(true, fresh);
    }
    if (at - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = at;
      const oldest = new Date(at - MINUTE_ROWS_KEPT_MS).toISOString().slice(0, 16);
      // Minute windows are the 16-character ones (YYYY-MM-DDTHH:MM).
      await db
        .delete(apiKeyUsage)
        .where(and(like(apiKeyUsage.window, "____-__-__T__:__"), lt(apiKeyUsage.window, oldest)));
    }
  };
  /** Never throws: usage not written stays pending (and counted here) until the database answers. */
  return async function syncUsage(): Promise<void> {
    try {
      await syncOnce();
      failing = false;
    } catch (error) {
      if (!failing) options.onUnavailable(error);
      failing = true;
    }
  };
}
