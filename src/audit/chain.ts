// Owns the audit log's hash chain (pure): the canonical form of a row, hash = sha256(prev_hash ‖ canonical
// row), and verification of consecutive rows. The first row's prev_hash is GENESIS_HASH; ids run 1, 2, 3, …
// with no gaps, so a deleted row shows as a missing id and an edited one as a hash mismatch.
import { createHash } from "node:crypto";

/** 64 hex zeros: the prev_hash of row 1. */
export const GENESIS_HASH = "0".repeat(64);

/** One stored row, as hashed (details is the stored JSON text, byte for byte). */
export interface AuditRow {
  id: number;
  /** Epoch ms. */
  time: number;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  clientIp: string | null;
  outcome: string;
  details: string;
}

export interface ChainedRow extends AuditRow {
  prevHash: string;
  hash: string;
}

/** The row's fields in a fixed order as a JSON array: unambiguous, whatever the values contain. */
export function canonicalRow(row: AuditRow): string {
  return JSON.stringify([
    row.id,
    row.time,
    row.actorType,
    row.actorId,
    row.actorName,
    row.action,
    row.targetType,
    row.targetId,
    row.clientIp,
    row.outcome,
    row.details,
  ]);
}

export function chainHash(prevHash: string, row: AuditRow): string {
  return createHash("sha256").update(prevHash, "utf8").update(canonicalRow(row), "utf8").digest("hex");
}

export type ChainProblem = "hash_mismatch" | "prev_hash_mismatch" | "missing_row";

export type ChainCheck =
  | { valid: true; last: { id: number; hash: string } }
  | { valid: false; firstBadId: number; problem: ChainProblem };

/**
 * Checks `rows` (ascending ids) continuing from `previous` (null: from the start). A missing row is reported
 * by its id; an edited row by its own id (its hash no longer matches) — or, when its hash was recomputed
 * too, by the next row's id (whose prev_hash still names the original).
 */
export function checkRows(
  rows: readonly ChainedRow[],
  previous: { id: number; hash: string } | null,
): ChainCheck {
  let last = previous ?? { id: 0, hash: GENESIS_HASH };
  for (const row of rows) {
    if (row.id !== last.id + 1) return { valid: false, firstBadId: last.id + 1, problem: "missing_row" };
    if (row.prevHash !== last.hash)
      return { valid: false, firstBadId: row.id, problem: "prev_hash_mismatch" };
    if (chainHash(row.prevHash, row) !== row.hash) {
      return { valid: false, firstBadId: row.id, problem: "hash_mismatch" };
    }
    last = { id: row.id, hash: row.hash };
  }
  return { valid: true, last };
}
