// Bench "persistence off": adds SQLite triggers to an llmlb database file that abort the recorder's writes
// (endpoint counters, daily stats, request history) at their first statement, so every flush fails at once
// and no row is written, while every other read and write (registry, API keys) still works.
import { createClient } from "@libsql/client";

const TRIGGERS = [
  ["bench_off_counters", "BEFORE UPDATE OF total_requests ON endpoints"],
  ["bench_off_daily", "BEFORE INSERT ON endpoint_daily_stats"],
  ["bench_off_history", "BEFORE INSERT ON request_history"],
] as const;

export interface RecorderBlock {
  /** Drops the triggers (the recorder's next flush writes everything it kept in memory). */
  release(): Promise<void>;
}

/**
 * A connection that waits for llmlb's recorder, which may hold the file's write lock at that moment (a DROP
 * TRIGGER without a wait once failed a full run with SQLITE_BUSY).
 */
async function patientClient(databaseFile: string) {
  const client = createClient({ url: `file:${databaseFile}` });
  await client.execute("PRAGMA busy_timeout = 5000");
  return client;
}

export async function blockRecorderWrites(databaseFile: string): Promise<RecorderBlock> {
  const client = await patientClient(databaseFile);
  try {
    for (const [name, event] of TRIGGERS) {
      await client.execute(
        `CREATE TRIGGER IF NOT EXISTS ${name} ${event} BEGIN SELECT RAISE(ABORT, 'persistence off (bench)'); END`,
      );
    }
  } finally {
    client.close();
  }
  return {
    async release() {
      const cleanup = await patientClient(databaseFile);
      try {
        for (const [name] of TRIGGERS) await cleanup.execute(`DROP TRIGGER IF EXISTS ${name}`);
      } finally {
        cleanup.close();
      }
    },
  };
}
