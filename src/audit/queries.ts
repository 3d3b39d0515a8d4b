// Owns reading the audit log for the dashboard API: filtered, paged entries (newest first) and summary
// statistics. Times on the wire are ISO-8601 UTC.
import { and, count, desc, eq, gte, lte, or, type SQL, sql } from "drizzle-orm";
import type { AppDatabase } from "../db/client.js";
import { auditLog } from "../db/schema.js";
import { type IsoTime, isoTime, isoTimeOrNull } from "../http/wire-time.js";

export interface AuditQuery {
  page: number;
  perPage: number;
  /** Actor name (any letter case) or actor id. */
  actor?: string | undefined;
  /** An exact action (`user.create`) or a family (`user` matches `user.*`). */
  action?: string | undefined;
  /** Substring of the actor, action, target, client address or details. */
  q?: string | undefined;
  startTime?: number | undefined;
  endTime?: number | undefined;
}

/** One audit entry as the API returns it. */
export interface AuditEntryJson {
  id: number;
  time: IsoTime;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  client_ip: string | null;
  outcome: string;
  details: Record<string, unknown>;
  hash: string;
}

/** GET /api/dashboard/audit-logs. */
export interface AuditPageJson {
  entries: AuditEntryJson[];
  total: number;
  page: number;
  per_page: number;
}

/** GET /api/dashboard/audit-logs/stats. */
export interface AuditStatsJson {
  total: number;
  failures: number;
  /** Entries in the 24 hours before the request. */
  last_24h: number;
  /** The oldest and newest entry; null when empty. */
  first_time: IsoTime | null;
  last_time: IsoTime | null;
  /** The 20 most frequent actions, most frequent first. */
  by_action: { action: string; count: number }[];
  /** The 10 most active actors. */
  by_actor: { actor_name: string | null; actor_type: string; count: number }[];
}

function parseDetails(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  } catch {
    return { unparsable: text };
  }
}

export function auditEntryView(row: typeof auditLog.$inferSelect): AuditEntryJson {
  return {
    id: row.id,
    time: isoTime(row.time),
    actor_type: row.actorType,
    actor_id: row.actorId,
    actor_name: row.actorName,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    client_ip: row.clientIp,
    outcome: row.outcome,
    details: parseDetails(row.details),
    hash: row.hash,
  };
}

/** `%text%` for LIKE with the wildcards in `text` escaped (ESCAPE '\'). */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

function likeEscaped(column: SQL | typeof auditLog.action, pattern: string): SQL {
  return sql`${column} like ${pattern} escape '\\'`;
}

function filters(query: AuditQuery): SQL | undefined {
  const conditions: (SQL | undefined)[] = [];
  if (query.actor) {
    conditions.push(
      or(sql`lower(${auditLog.actorName}) = lower(${query.actor})`, eq(auditLog.actorId, query.actor)),
    );
  }
  if (query.action) {
    const family = `${query.action.replace(/[\\%_]/g, (char) => `\\${char}`)}.%`;
    conditions.push(or(eq(auditLog.action, query.action), likeEscaped(auditLog.action, family)));
  }
  if (query.q) {
    const pattern = contains(query.q);
    const searched = [
      auditLog.actorName,
      auditLog.action,
      auditLog.targetType,
      auditLog.targetId,
      auditLog.clientIp,
      auditLog.details,
    ];
    conditions.push(or(...searched.map((column) => likeEscaped(sql`${column}`, pattern))));
  }
  if (query.startTime !== undefined) conditions.push(gte(auditLog.time, query.startTime));
  if (query.endTime !== undefined) conditions.push(lte(auditLog.time, query.endTime));
  return and(...conditions);
}

export async function listAudit(db: AppDatabase, query: AuditQuery): Promise<AuditPageJson> {
  const where = filters(query);
  const [rows, totals] = await Promise.all([
    db
      .select()
      .from(auditLog)
      .where(where)
      .orderBy(desc(auditLog.id))
      .limit(query.perPage)
      .offset((query.page - 1) * query.perPage),
    db.select({ n: count() }).from(auditLog).where(where),
  ]);
  return {
    entries: rows.map(auditEntryView),
    total: totals[0]?.n ?? 0,
    page: query.page,
    per_page: query.perPage,
  };
}

export async function auditStats(db: AppDatabase, now: number): Promise<AuditStatsJson> {
  const [summary, byAction, byActor] = await Promise.all([
    db
      .select({
        total: count(),
        failures: sql<number>`coalesce(sum(case when ${auditLog.outcome} = 'failure' then 1 else 0 end), 0)`,
        recent: sql<number>`coalesce(sum(case when ${auditLog.time} >= ${now - 86_400_000} then 1 else 0 end), 0)`,
        first: sql<number | null>`min(${auditLog.time})`,
        last: sql<number | null>`max(${auditLog.time})`,
      })
      .from(auditLog),
    db
      .select({ action: auditLog.action, count: count() })
      .from(auditLog)
      .groupBy(auditLog.action)
      .orderBy(desc(count()), auditLog.action)
      .limit(20),
    db
      .select({ actor_name: auditLog.actorName, actor_type: auditLog.actorType, count: count() })
      .from(auditLog)
      .groupBy(auditLog.actorName, auditLog.actorType)
      .orderBy(desc(count()), auditLog.actorName)
      .limit(10),
  ]);
  const row = summary[0];
  return {
    total: row?.total ?? 0,
    failures: Number(row?.failures ?? 0),
    last_24h: Number(row?.recent ?? 0),
    first_time: isoTimeOrNull(row?.first ?? null),
    last_time: isoTimeOrNull(row?.last ?? null),
    by_action: byAction,
    by_actor: byActor,
  };
}
