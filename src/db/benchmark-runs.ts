// Owns the benchmark_runs queries: save a run's state (insert or replace), read one, list the newest,
// and keep only the newest KEPT_RUNS.
import { desc, eq, notInArray } from "drizzle-orm";
import type { AppDatabase } from "./client.js";
import { benchmarkRuns } from "./schema.js";

export type BenchmarkRunRow = typeof benchmarkRuns.$inferSelect;

/** How many runs are kept (older ones are deleted after each run ends). */
export const KEPT_RUNS = 50;

export async function saveBenchmarkRun(db: AppDatabase, row: BenchmarkRunRow): Promise<void> {
  const { id: _id, createdAt: _created, ...changes } = row;
  await db.insert(benchmarkRuns).values(row).onConflictDoUpdate({ target: benchmarkRuns.id, set: changes });
}

export async function readBenchmarkRun(db: AppDatabase, id: string): Promise<BenchmarkRunRow | undefined> {
  const rows = await db.select().from(benchmarkRuns).where(eq(benchmarkRuns.id, id)).limit(1);
  return rows[0];
}

export function listBenchmarkRuns(db: AppDatabase, limit = KEPT_RUNS): Promise<BenchmarkRunRow[]> {
  return db
    .select()
    .from(benchmarkRuns)
    .orderBy(desc(benchmarkRuns.createdAt), desc(benchmarkRuns.id))
    .limit(limit);
}

/** Deletes every run but the newest KEPT_RUNS. */
export async function pruneBenchmarkRuns(db: AppDatabase): Promise<void> {
  const newest = db
    .select({ id: benchmarkRuns.id })
    .from(benchmarkRuns)
    .orderBy(desc(benchmarkRuns.createdAt), desc(benchmarkRuns.id))
    .limit(KEPT_RUNS);
  await db.delete(benchmarkRuns).where(notInArray(benchmarkRuns.id, newest));
}
