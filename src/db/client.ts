// Owns the database handle: a libSQL client that survives a failed open, drizzle over it, and readiness.
// Invariant: opening never throws — a database that cannot be opened yields a handle whose queries reject
// (and which retries the open on the next query), so the balancer can start and proxy without it.
import type { Client, Config as LibsqlConfig, Transaction } from "@libsql/client";
// drizzle over the client made here: its driver-core, not its index, whose import of all of
// @libsql/client (HTTP and WebSocket clients too) would undo src/runtime/libsql-clients.ts.
import { construct as drizzle, type LibSQLDatabase } from "drizzle-orm/libsql/driver-core";
import { AppError } from "../errors.js";
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
  /**
   * Pauses while another connection holds a local file's lock: between migration attempts and between a
   * statement's attempts (BUSY_PAUSES_MS). None: no retry, a busy statement fails at once.
   */
  sleep?: (ms: number) => Promise<void>;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

type TxMethod = "execute" | "batch" | "executeMultiple" | "commit" | "rollback";
const TX_METHODS: readonly TxMethod[] = ["execute", "batch", "executeMultiple", "commit", "rollback"];

/**
 * Pauses (ms) between the attempts of a statement, batch or transaction start that met another
 * connection's lock on a local file — about 2 s in all, never blocking the event loop: the main connection
 * does not wait inside SQLite (its busy timeout is 0), it comes back later. The other holder is usually the
 * recorder's own connection (src/db/file-batch-store.ts: one batch ≈ 7–14 ms of SQLite, plus a hand-over per
 * ROWS_PER_EXEC rows), another instance on the same file, an sqlite3 shell or a backup.
 */
const BUSY_PAUSES_MS = [2, 5, 10, 20, 40, 80, 160, 320, 640, 800];

/** The database stayed locked through every attempt: the caller's 503, not a server fault. */
function stillBusy(error: unknown): AppError {
  return new AppError("unavailable", "The database is locked by another process; try again shortly", {
    code: "database_busy",
    retryAfterSecs: 1,
    cause: error,
  });
}

/**
 * A Client that opens the real one lazily and retries the open on later calls after a failure
 * (e.g. the data directory was not writable at boot). After SQLITE_BUSY it also drops the connections:
 * libSQL can leave the failed statement active on its connection, and then every later COMMIT there fails
 * ("cannot commit transaction - SQL statements in progress"), so writes would never resume. With `sleep`,
 * statements, batches and transaction starts that met a lock are tried again (BUSY_PAUSES_MS): a busy
 * statement changed nothing, a batch is one transaction rolled back whole, and a transaction ("write",
 * BEGIN IMMEDIATE) meets the lock at its start, before the caller's work.
 */
function reopeningClient(open: () => Client, sleep?: (ms: number) => Promise<void>): Client {
  let inner: Client | null = null;
  const current = (): Client => {
    if (inner === null || inner.closed) inner = open();
    return inner;
  };
  const dropAfterBusy = (used: Client) => (error: unknown) => {
    if (isBusyError(error) && inner === used) {
      inner = null;
      used.close();
    }
    throw error;
  };
  const guarded = <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const used = current();
    return work(used).catch(dropAfterBusy(used));
  };
  const retried = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await guarded(work);
      } catch (error) {
        if (!sleep || !isBusyError(error)) throw error;
        const pause = BUSY_PAUSES_MS[attempt];
        if (pause === undefined) throw stillBusy(error);
        await sleep(pause);
      }
    }
  };
  const guardedTransaction = (tx: Transaction, used: Client): Transaction => {
    for (const name of TX_METHODS) {
      const method = (tx[name] as (...a: unknown[]) => Promise<unknown>).bind(tx);
      Object.defineProperty(tx, name, {
        value: (...args: unknown[]) => method(...args).catch(dropAfterBusy(used)),
      });
    }
    return tx;
  };
  const client = {
    execute: (...args: unknown[]) =>
      retried((c) => (c.execute as (...a: unknown[]) => Promise<unknown>)(...args)),
    batch: (...args: Parameters<Client["batch"]>) => retried((c) => c.batch(...args)),
    migrate: (...args: Parameters<Client["migrate"]>) => guarded((c) => c.migrate(...args)),
    transaction: (mode?: Parameters<Client["batch"]>[1]) =>
      retried((c) => c.transaction(mode).then((tx) => guardedTransaction(tx, c))),
    executeMultiple: (sql: string) => guarded((c) => c.executeMultiple(sql)),
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
 * How long one statement of the recorder's file store waits inside SQLite for another connection's lock (the
 * main connection, a second instance on the same file, an sqlite3 shell, a backup) before SQLITE_BUSY, ms;
 * the recorder keeps its batch and retries on the next flush (the wait is on the driver's thread, not the
 * event loop). The main connection waits 0 ms there —
 * libSQL would wait on the event loop's thread and freeze every request — and retries outside SQLite
 * instead (BUSY_PAUSES_MS). Ignored by remote (HTTP / WebSocket) databases.
 */
export const FILE_BUSY_TIMEOUT_MS = 50;
/**
 * Retries of whole units of work that met a busy database (boot restore, migrations, the audit append):
 * how long in all (ms) and the pause between attempts. A `database_busy` failure counts the client's own
 * pauses too (it already waited through BUSY_PAUSES_MS).
 */
const BUSY_RETRY_BUDGET_MS = 4_000;
const BUSY_RETRY_PAUSE_MS = 100;
const CLIENT_BUSY_WAIT_MS = BUSY_PAUSES_MS.reduce((sum, pause) => sum + pause, 0);

/** true for SQLITE_BUSY / SQLITE_LOCKED, however deep drizzle or libSQL wrapped it. */
export function isBusyError(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
    if (/database is locked|SQLITE_BUSY/i.test(cause.message)) return true;
    cause = cause.cause;
  }
  return false;
}

/**
 * Runs `work`, again after a pause while it fails because the database is busy (about 4 s in all, without
 * blocking the event loop between attempts) or with another error `alsoRetry` accepts; other errors and
 * the last failure are thrown.
 */
export async function retryWhileBusy<T>(
  work: () => Promise<T>,
  sleep: (ms: number) => Promise<void>,
  alsoRetry: (error: unknown) => boolean = () => false,
): Promise<T> {
  for (let waited = 0; ; ) {
    try {
      return await work();
    } catch (error) {
      if (!(isBusyError(error) || alsoRetry(error))) throw error;
      const clientWaited =
        error instanceof AppError && error.code === "database_busy" ? CLIENT_BUSY_WAIT_MS : 0;
      waited += clientWaited + BUSY_RETRY_PAUSE_MS;
      if (waited > BUSY_RETRY_BUDGET_MS) throw error;
      await sleep(BUSY_RETRY_PAUSE_MS);
    }
  }
}

/**
 * Two processes booting together on a new file both find the migrations unapplied; the one that commits
 * second fails with "already exists" (its transaction rolled back). Running the migrator again then finds
 * them applied.
 */
const migratedConcurrently = (error: unknown): boolean =>
  error instanceof Error && /already exists/i.test(describe(error));

/**
 * A local file runs in WAL mode: the recorder's batches cost less, and readers (the dashboard API, other
 * instances on the same host) never wait for a writer. Persistent in the file; best effort.
 */
async function useWriteAheadLog(client: Client): Promise<void> {
  try {
    await client.execute("PRAGMA journal_mode = WAL");
  } catch {
    // A file that cannot switch (e.g. busy right now) keeps its journal mode; switched on a later boot.
  }
}

export function openDatabase(options: OpenDatabaseOptions): DatabaseHandle {
  const client = reopeningClient(
    () => options.createClient({ url: options.url, authToken: options.authToken, timeout: 0 }),
    options.sleep,
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
        const run = options.runMigrations;
        if (options.sleep) await retryWhileBusy(() => run(db), options.sleep, migratedConcurrently);
        else await run(db);
        if (options.url.startsWith("file:")) await useWriteAheadLog(client);
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
