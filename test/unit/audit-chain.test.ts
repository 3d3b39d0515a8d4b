import { describe, expect, it } from "vitest";
import { type AuditRow, type ChainedRow, chainHash, checkRows, GENESIS_HASH } from "../../src/audit/chain.js";

function chain(count: number): ChainedRow[] {
  const rows: ChainedRow[] = [];
  let prevHash = GENESIS_HASH;
  for (let id = 1; id <= count; id++) {
    const row: AuditRow = {
      id,
      time: 1_700_000_000_000 + id,
      actorType: "user",
      actorId: "u1",
      actorName: "admin",
      action: "user.create",
      targetType: "user",
      targetId: `t${id}`,
      clientIp: "127.0.0.1",
      outcome: "success",
      details: JSON.stringify({ n: id }),
    };
    const hash = chainHash(prevHash, row);
    rows.push({ ...row, prevHash, hash });
    prevHash = hash;
  }
  return rows;
}

describe("audit hash chain", () => {
  it("hash = sha256(prev_hash ‖ canonical row) covers every field; row 1 chains from the genesis hash", () => {
    const [first] = chain(1);
    expect(first?.prevHash).toBe("0".repeat(64));
    expect(first?.hash).toMatch(/^[0-9a-f]{64}$/);
    // Every field takes part: changing any one changes the hash.
    for (const field of [
      "time",
      "actorName",
      "action",
      "targetId",
      "clientIp",
      "outcome",
      "details",
    ] as const) {
      const changed = { ...(first as ChainedRow), [field]: field === "time" ? 1 : "x" };
      expect(chainHash(GENESIS_HASH, changed), field).not.toBe(first?.hash);
    }
  });

  it("an intact chain checks, also continued from a previous batch", () => {
    const rows = chain(10);
    expect(checkRows(rows, null)).toEqual({ valid: true, last: { id: 10, hash: rows[9]?.hash } });
    const first = checkRows(rows.slice(0, 4), null);
    expect(first.valid && checkRows(rows.slice(4), first.last).valid).toBe(true);
  });

  it("names the first edited row, the first missing row, and a re-hashed edit by the row after it", () => {
    const edited = chain(6);
    (edited[2] as ChainedRow).details = '{"n":99}';
    expect(checkRows(edited, null)).toEqual({ valid: false, firstBadId: 3, problem: "hash_mismatch" });

    const gap = chain(6).filter((row) => row.id !== 4);
    expect(checkRows(gap, null)).toEqual({ valid: false, firstBadId: 4, problem: "missing_row" });

    const rehashed = chain(6);
    const row = rehashed[2] as ChainedRow;
    row.actorName = "mallory";
    row.hash = chainHash(row.prevHash, row);
    expect(checkRows(rehashed, null)).toEqual({ valid: false, firstBadId: 4, problem: "prev_hash_mismatch" });
  });
});
