// Owns writing the audit log: appends chained to the current last row, serialised within this process and
// optimistic across processes sharing the database (the next id is claimed by the INSERT itself; a process
// that loses the race re-reads the last row and tries again), plus verification of the whole chain.
import { asc, desc, gt } from "drizzle-orm";
import type { Clock } from "../clock.js";
import { type DatabaseHandle, retryWhileBusy } from "../db/client.js";
import { auditLog } from "../db/schema.js";
import {
  type AuditRow,
  type ChainedRow,
  type ChainProblem,
  chainHash,
  checkRows,
  GENESIS_HASH,
} from "./chain.js";

/** What a caller records; id, time and the hashes are the store's. */
export interface AuditEvent extends Omit<AuditRow, "id" | "time" | "actorType" | "outcome" | "details"> {
  actorType: "user" | "api_key" | "system";
  outcome: "success" | "failure";
  /** Never a secret. Strings are cut to MAX_DETAIL_CHARS. */
  details: Record<string, unknown>;
}

/** GET /api/dashboard/audit-logs/verify. */
export type AuditVerifyJson =
  | { valid: true; checked: number }
  | { valid: false; first_bad_id: number; problem: ChainProblem; checked: number };

export interface AuditWriter {
  append(event: AuditEvent): Promise<ChainedRow>;
  verify(): Promise<AuditVerifyJson>;
}

/** Appends that lost the race for the next id this many times in a row give up (and are logged). */
const MAX_APPEND_ATTEMPTS = 50;
const MAX_DETAIL_CHARS = 200;
const MAX_FIELD_CHARS = 256;
const VERIFY_BATCH = 1_000;

function capped(value: string | null): string | null {
  return value === null ? null : value.slice(0, MAX_FIELD_CHARS);
}

/** JSON of the details with every string (at any depth) cut to MAX_DETAIL_CHARS. */
export function detailsText(details: Record<string, unknown>): string {
  return JSON.stringify(details, (_key, value: unknown) =>
    typeof value === "string" && value.length > MAX_DETAIL_CHARS
      ? `${value.slice(0, MAX_DETAIL_CHARS)}…`
      : value,
  );
}

export function createAuditWriter(options: {
  database: DatabaseHandle;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
}): AuditWriter {
  const { database, clock, sleep } = options;
  const db = database.db;
  /** Appends of this process, one after another (they would only race each other for the same id). */
  let tail: Promise<unknown> = Promise.resolve();

  const tryAppend = async (row: Omit<AuditRow, "id">): Promise<ChainedRow | null> => {
    const last = (
      await db
        .select({ id: auditLog.id, hash: auditLog.hash })
        .from(auditLog)
        .orderBy(desc(auditLog.id))
        .limit(1)
    )[0];
    const full: AuditRow = { ...row, id: (last?.id ?? 0) + 1 };
    const prevHash = last?.hash ?? GENESIS_HASH;
    const chained: ChainedRow = { ...full, prevHash, hash: chainHash(prevHash, full) };
    const inserted = await db
      .insert(auditLog)
      .values(chained)
      .onConflictDoNothing()
      .returning({ id: auditLog.id });
    return inserted.length > 0 ? chained : null;
  };

  const appendNow = async (event: AuditEvent): Promise<ChainedRow> => {
    const row: Omit<AuditRow, "id"> = {
      time: clock.now(),
      actorType: event.actorType,
      actorId: capped(event.actorId),
      actorName: capped(event.actorName),
      action: event.action.slice(0, MAX_FIELD_CHARS),
      targetType: capped(event.targetType),
      targetId: capped(event.targetId),
      clientIp: capped(event.clientIp),
      outcome: event.outcome,
      details: detailsText(event.details),
    };
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
      const appended = await retryWhileBusy(() => tryAppend(row), sleep);
      if (appended) return appended;
    }
    throw new Error(`audit append lost the race for the next id ${MAX_APPEND_ATTEMPTS} times`);
  };

  return {
    append(event) {
      const appended = tail.then(() => appendNow(event));
      tail = appended.catch(() => undefined);
      return appended;
    },

    async verify() {
      let previous: { id: number; hash: string } | null = null;
      let checked = 0;
      for (;;) {
        const rows: ChainedRow[] = await db
          .select()
          .from(auditLog)
          .where(gt(auditLog.id, previous?.id ?? 0))
          .orderBy(asc(auditLog.id))
          .limit(VERIFY_BATCH);
        if (rows.length === 0) return { valid: true, checked };
        const result = checkRows(rows, previous);
        if (!result.valid) {
          checked += rows.filter((row) => row.id < result.firstBadId).length;
          return { valid: false, first_bad_id: result.firstBadId, problem: result.problem, checked };
        }
        checked += rows.length;
        previous = result.last;
      }
    },
  };
}
