// The audit log's hash chain stays whole when two `node dist/server.js` processes append to one sqld libSQL
// server at the same time: ids stay consecutive and verify passes on both.
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import {
  type LlmlbProcess,
  migrateOutOfBand,
  type Sqld,
  startLlmlb,
  startSqld,
} from "../fixtures/llmlb-process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

/** State-changing calls sent to each instance, all at once. */
const CALLS_PER_INSTANCE = 25;
/** Child processes start slower on a busy 2-core machine (the suite runs files in parallel), ms. */
const TEST_TIMEOUT_MS = 90_000;

async function invite(instance: LlmlbProcess, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${instance.url}/api/invitations`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ role: "viewer" }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function failedLogin(instance: LlmlbProcess, i: number): Promise<number> {
  const response = await fetch(`${instance.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": `10.0.0.${i}` },
    body: JSON.stringify({ username: `nobody-${i}`, password: "wrong-password" }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe("two Node instances appending to one audit log on sqld", () => {
  const instances: LlmlbProcess[] = [];
  let sqld: Sqld | undefined;
  let dir: TempDir | undefined;

  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.stop("SIGKILL");
    await sqld?.stop();
    sqld = undefined;
    dir?.remove();
  });

  it(
    "concurrent appends from both keep one unbroken chain with consecutive ids",
    async () => {
      dir = tempDir();
      sqld = await startSqld(dir.path);
      await migrateOutOfBand(sqld.url);
      const databaseUrl = sqld.url;
      for (const name of ["a", "b"]) {
        instances.push(
          await startLlmlb("node", {
            LLMLB_DATABASE_URL: databaseUrl,
            LLMLB_DATA_DIR: join(dir.path, name),
            LLMLB_SECRET_KEY: "multi-instance-test-secret-key-0123456789",
          }),
        );
      }
      const [a, b] = instances as [LlmlbProcess, LlmlbProcess];
      const headers = [await a.adminHeaders(), await b.adminHeaders()];
      const calls: Promise<number>[] = [];
      for (let i = 0; i < CALLS_PER_INSTANCE; i++) {
        calls.push(
          invite(a, headers[0] as Record<string, string>),
          invite(b, headers[1] as Record<string, string>),
        );
        if (i % 5 === 0) calls.push(failedLogin(a, i), failedLogin(b, i + 100));
      }
      const statuses = await Promise.all(calls);
      expect(statuses.filter((status) => status === 201)).toHaveLength(2 * CALLS_PER_INSTANCE);
      expect(statuses.filter((status) => status === 401)).toHaveLength(2 * (CALLS_PER_INSTANCE / 5));

      // Two admin logins, the invitations and the failed logins.
      const expected = 2 + 2 * CALLS_PER_INSTANCE + 2 * (CALLS_PER_INSTANCE / 5);
      for (const [i, instance] of [a, b].entries()) {
        const response = await fetch(`${instance.url}/api/dashboard/audit-logs/verify`, {
          headers: headers[i],
        });
        expect(await response.json()).toEqual({ valid: true, checked: expected });
      }
      const database = createClient({ url: databaseUrl });
      try {
        const row = (
          await database.execute("SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM audit_log")
        ).rows[0];
        expect([Number(row?.n), Number(row?.lo), Number(row?.hi)]).toEqual([expected, 1, expected]);
      } finally {
        database.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
