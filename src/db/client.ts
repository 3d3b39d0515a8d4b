// Owns the database handle: a libSQL client that survives a failed open, drizzle over it, and readiness.
// Invariant: opening never throws — a database that cannot be opened yields a handle whose queries reject
// (and which retries the open on the next query), so the balancer can start and proxy without it.
import type { Client, Config as LibsqlConfig } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import * as schema from "./schema.js";

export type AppDatabase = LibSQLDatabase<typeof schema>;

export type CreateLibsqlClient = (config: LibsqlConfig) => Client;

/** Applies pending migrations; provided by entries that can read the drizzle/ folder. */
export type RunMigrations = (db: AppDatabase) => Promise<void>;

export type Readiness = { ready: true } | { ready: false; reason: string };

export interface DatabaseHandle {
  db: AppDatabase;
  /** The libSQL client under `db`, for hot paths that run plain SQL (the recorder's flush). */
  client: Client;
  /** Applies pending migrations once they succeed; returns false (and keeps the reason) on failure. */
  migrate(): Promise<boolean>;
  readonly migrated: boolean;
  /** true when the database answers a trivial query and the schema is migrated. */
  readiness(): Promise<Readiness>;
  close(): void;
}

export interface OpenDatabaseOptions {
  url: string;
  authToken?: string | undefined;
  createClient: CreateLibsqlClient;
  runMigrations?: RunMigrations;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

/**
 * A Client that opens the real one lazily and retries the open on later calls after a failure
 * (e.g. the data directory was not writable at boot).
 */
function reopeningClient(open: () => Client): Client {
  let inner: Client | null = null;
  const current = (): Client => {
    if (inner === null || inner.closed) inner = open();
    return inner;
  };
  const client = {
    execute: (...args: unknown[]) => (current().execute as (...a: unknown[]) => unknown)(...args),
    batch: (...args: Parameters<Client["batch"]>) => current().batch(...args),
    migrate: (...args: Parameters<Client["migrate"]>) => current().migrate(...args),
    transaction: (mode?: Parameters<Client["batch"]>[1]) => current().transaction(mode),
    executeMultiple: (sql: string) => current().executeMultiple(sql),
    sync: () => current().sync(),
    close: () => {
      inner?.close();
      inner = null;
    },
    reconnect: () => current().reconnect(),
    get closed() {
      return inner?.closed ?? false;
    },
    get protocol() {
      try {
        return current().protocol;
      } catch {
        return "file";
      }
    },
  };
  // Lift synchronous open failures into rejected promises, the way query failures arrive.
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "close") return value;
      return (...args: unknown[]) => {
        try {
          return value(...args);
        } catch (error) {
          return Promise.reject(error);
        }
      };
    },
  }) as unknown as Client;
}

/**
 * How long a local file waits for another process's write lock (e.g. two instances on one file) before
 * SQLITE_BUSY, ms. Ignored by remote (HTTP / WebSocket) databases.
 */
const FILE_BUSY_TIMEOUT_MS = 2_000;

export function openDatabase(options: OpenDatabaseOptions): DatabaseHandle {
  const client = reopeningClient(() =>
    options.createClient({ url: options.url, authToken: options.authToken, timeout: FILE_BUSY_TIMEOUT_MS }),
  );
  const db = drizzle(client, { schema });
  let migrated = options.runMigrations === undefined;
  let migrationError: string | null = null;

  return {
    db,
    client,
    get migrated() {
      return migrated;
    },
    async migrate() {
      if (migrated || !options.runMigrations) return true;
      try {
        await options.runMigrations(db);
        migrated = true;
        migrationError = null;
      } catch (error) {
        migrationError = describe(error);
      }
      return migrated;
    },
    async readiness() {
      try {
        await client.execute("SELECT 1");
      } catch (error) {
        return { ready: false, reason: `database unreachable: ${describe(error)}` };
      }
      if (!migrated) {
        return { ready: false, reason: `database not migrated: ${migrationError ?? "migrations pending"}` };
      }
      return { ready: true };
    },
    close() {
      client.close();
    },
  };
}
