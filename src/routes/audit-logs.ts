// Owns the audit log API (admin sessions only, enforced by the access table): filtered pages, statistics,
// and verification of the hash chain.
import { Hono } from "hono";
import * as v from "valibot";
import { type AuditPageJson, type AuditStatsJson, auditStats, listAudit } from "../audit/queries.js";
import type { AuditVerifyJson } from "../audit/store.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validQuery } from "../http/validate.js";
import { timeParam } from "../http/wire-time.js";

const MAX_PER_PAGE = 200;
const text = v.pipe(v.string(), v.trim(), v.minLength(1, "Must not be empty"), v.maxLength(200));
const positive = v.pipe(v.string(), v.regex(/^\d{1,9}$/, "Expected a positive integer"), v.transform(Number));

export const AuditQuery = v.object({
  page: v.optional(v.pipe(positive, v.minValue(1, "Expected a positive integer")), "1"),
  per_page: v.optional(
    v.pipe(positive, v.minValue(1, "Expected 1 to 200"), v.maxValue(MAX_PER_PAGE, "Expected 1 to 200")),
    "50",
  ),
  actor: v.optional(text),
  action: v.optional(text),
  q: v.optional(text),
  start_time: v.optional(timeParam),
  end_time: v.optional(timeParam),
});

function unavailable(error: unknown): never {
  throw new AppError("unavailable", "The audit log is unavailable: the database did not answer", {
    code: "database_unavailable",
    cause: error,
  });
}

export function auditLogRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get("/api/dashboard/audit-logs", async (c) => {
    const query = validQuery(c, AuditQuery);
    const page: AuditPageJson = await listAudit(deps.database.db, {
      page: query.page,
      perPage: query.per_page,
      actor: query.actor,
      action: query.action,
      q: query.q,
      startTime: query.start_time,
      endTime: query.end_time,
    }).catch(unavailable);
    return c.json(page);
  });

  app.get("/api/dashboard/audit-logs/stats", async (c) => {
    const stats: AuditStatsJson = await auditStats(deps.database.db, deps.clock.now()).catch(unavailable);
    return c.json(stats);
  });

  app.get("/api/dashboard/audit-logs/verify", async (c) => {
    const result: AuditVerifyJson = await deps.audit.verify().catch(unavailable);
    return c.json(result);
  });

  return app;
}
