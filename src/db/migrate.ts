// Owns applying the generated drizzle/ migrations in-process (Node and Bun; Workers migrate out of band).
import { migrate } from "drizzle-orm/libsql/migrator";
import type { AppDatabase, RunMigrations } from "./client.js";

export function migrationsFrom(migrationsFolder: string): RunMigrations {
  return (db: AppDatabase) => migrate(db, { migrationsFolder });
}
