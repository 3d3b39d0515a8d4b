// Owns the reads behind the client views: ranking, hourly timeline and weekday × hour heatmap from
// client_hourly_stats (small: one row per hour × client × key), and one client's detail from
// request_history through its (client_ip, created_at) index. '' in client_ip / api_key_id means "none".
import { and, desc, eq, gte, inArray, sql } from "drizzle-orm";
import type { AppDatabase } from "./client.js";
import { LIST_COLUMNS, type RequestResponseRow } from "./request-responses.js";
import { apiKeys, clientHourlyStats, requestHistory } from "./schema.js";

export const HOUR_MS = 3_600_000;

export interface ClientRankRow {
  /** client_ip ('' unknown) or api_key_id ('' none), by the grouping asked for. */
  id: string;
  /** The key's name for group_by=api_key (null once deleted); undefined for ip. */
  name?: string | null;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  /** Epoch ms. */
  lastSeen: number;
}

const rank = {
  requests: sql<number>`sum(${clientHourlyStats.requests})`,
  errors: sql<number>`sum(${clientHourlyStats.errors})`,
  inputTokens: sql<number>`sum(${clientHourlyStats.inputTokens})`,
  outputTokens: sql<number>`sum(${clientHourlyStats.outputTokens})`,
  lastSeen: sql<number>`max(${clientHourlyStats.lastSeen})`,
};

const toNumbers = <T extends Omit<ClientRankRow, "id" | "name">>(row: T) => ({
  requests: Number(row.requests),
  errors: Number(row.errors),
  inputTokens: Number(row.inputTokens),
  outputTokens: Number(row.outputTokens),
  lastSeen: Number(row.lastSeen),
});

/** Clients active since `since` (epoch ms), most requests first, at most `limit`. */
export async function readClientRanking(
  db: AppDatabase,
  options: { since: number; groupBy: "ip" | "api_key"; limit: number; clientIp?: string },
): Promise<ClientRankRow[]> {
  const since = gte(clientHourlyStats.hour, hourStart(options.since));
  const where =
    options.clientIp === undefined ? since : and(since, eq(clientHourlyStats.clientIp, options.clientIp));
  if (options.groupBy === "ip") {
    const rows = await db
      .select({ id: clientHourlyStats.clientIp, ...rank })
      .from(clientHourlyStats)
      .where(where)
      .groupBy(clientHourlyStats.clientIp)
      .orderBy(desc(rank.requests), clientHourlyStats.clientIp)
      .limit(options.limit);
    return rows.map((row) => ({ id: row.id, ...toNumbers(row) }));
  }
  const rows = await db
    .select({ id: clientHourlyStats.apiKeyId, name: sql<string | null>`max(${apiKeys.name})`, ...rank })
    .from(clientHourlyStats)
    .leftJoin(apiKeys, eq(apiKeys.id, clientHourlyStats.apiKeyId))
    .where(where)
    .groupBy(clientHourlyStats.apiKeyId)
    .orderBy(desc(rank.requests), clientHourlyStats.apiKeyId)
    .limit(options.limit);
  return rows.map((row) => ({ id: row.id, name: row.name, ...toNumbers(row) }));
}

/** Requests per hour (epoch ms of the hour) of the given client addresses since `since`. */
export async function readClientHours(
  db: AppDatabase,
  since: number,
  clientIps: string[],
): Promise<{ hour: number; clientIp: string; requests: number }[]> {
  if (clientIps.length === 0) return [];
  const requests = sql<number>`sum(${clientHourlyStats.requests})`;
  const rows = await db
    .select({ hour: clientHourlyStats.hour, clientIp: clientHourlyStats.clientIp, requests })
    .from(clientHourlyStats)
    .where(and(gte(clientHourlyStats.hour, hourStart(since)), inArray(clientHourlyStats.clientIp, clientIps)))
    .groupBy(clientHourlyStats.hour, clientHourlyStats.clientIp);
  return rows.map((row) => ({
    hour: Number(row.hour),
    clientIp: row.clientIp,
    requests: Number(row.requests),
  }));
}

/** Requests per UTC weekday (0 = Sunday) × hour of day since `since`. */
export async function readWeekdayHours(
  db: AppDatabase,
  since: number,
): Promise<{ weekday: number; hour: number; requests: number }[]> {
  // 1970-01-01 was a Thursday (weekday 4).
  const weekday = sql<number>`((${clientHourlyStats.hour} / 86400000) + 4) % 7`;
  const hour = sql<number>`(${clientHourlyStats.hour} / 3600000) % 24`;
  const rows = await db
    .select({ weekday, hour, requests: sql<number>`sum(${clientHourlyStats.requests})` })
    .from(clientHourlyStats)
    .where(gte(clientHourlyStats.hour, hourStart(since)))
    .groupBy(weekday, hour);
  return rows.map((row) => ({
    weekday: Number(row.weekday),
    hour: Number(row.hour),
    requests: Number(row.requests),
  }));
}

export const hourStart = (at: number): number => Math.floor(at / HOUR_MS) * HOUR_MS;

export interface ClientDetailRows {
  models: { model: string; requests: number; inputTokens: number; outputTokens: number }[];
  keys: { apiKeyId: string | null; name: string | null; requests: number }[];
  recent: RequestResponseRow[];
}

/** One client address's models, keys and latest requests since `since`, from request_history. */
export async function readClientDetail(
  db: AppDatabase,
  clientIp: string,
  since: number,
  recentLimit: number,
): Promise<ClientDetailRows> {
  const where = and(eq(requestHistory.clientIp, clientIp), gte(requestHistory.createdAt, since));
  const count = sql<number>`count(*)`;
  const [models, keys, recent] = await Promise.all([
    db
      .select({
        model: requestHistory.model,
        requests: count,
        inputTokens: sql<number>`sum(${requestHistory.inputTokens})`,
        outputTokens: sql<number>`sum(${requestHistory.outputTokens})`,
      })
      .from(requestHistory)
      .where(where)
      .groupBy(requestHistory.model)
      .orderBy(desc(count)),
    db
      .select({
        apiKeyId: requestHistory.apiKeyId,
        name: sql<string | null>`max(${apiKeys.name})`,
        requests: count,
      })
      .from(requestHistory)
      .leftJoin(apiKeys, eq(apiKeys.id, requestHistory.apiKeyId))
      .where(where)
      .groupBy(requestHistory.apiKeyId)
      .orderBy(desc(count)),
    db
      .select(LIST_COLUMNS)
      .from(requestHistory)
      .where(where)
      .orderBy(desc(requestHistory.createdAt), desc(requestHistory.id))
      .limit(recentLimit),
  ]);
  return {
    models: models.map((m) => ({
      ...m,
      requests: Number(m.requests),
      inputTokens: Number(m.inputTokens),
      outputTokens: Number(m.outputTokens),
    })),
    keys: keys.map((k) => ({ ...k, requests: Number(k.requests) })),
    recent,
  };
}
