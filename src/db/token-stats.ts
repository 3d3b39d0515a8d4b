// Owns the reads of token_daily_stats: all-time totals and per-day / per-month series, optionally split by
// model, endpoint or API key (names joined from endpoints / api_keys; null once those are deleted).
import { gte, sql } from "drizzle-orm";
import type { AppDatabase } from "./client.js";
import { apiKeys, endpoints, tokenDailyStats } from "./schema.js";

export type TokenGroup = "model" | "endpoint" | "api_key";

export interface TokenTotals {
  inputTokens: number;
  outputTokens: number;
  requests: number;
}

export interface TokenSeriesRow extends TokenTotals {
  /** YYYY-MM-DD (day) or YYYY-MM (month), UTC. */
  period: string;
  /** The group's id ('' when the request had none: no endpoint, no key); undefined without a group. */
  groupId?: string;
  groupName?: string | null;
}

const sums = {
  inputTokens: sql<number>`coalesce(sum(${tokenDailyStats.inputTokens}), 0)`,
  outputTokens: sql<number>`coalesce(sum(${tokenDailyStats.outputTokens}), 0)`,
  requests: sql<number>`coalesce(sum(${tokenDailyStats.requests}), 0)`,
};

export async function readTokenTotals(db: AppDatabase): Promise<TokenTotals> {
  const [row] = await db.select(sums).from(tokenDailyStats);
  return {
    inputTokens: Number(row?.inputTokens ?? 0),
    outputTokens: Number(row?.outputTokens ?? 0),
    requests: Number(row?.requests ?? 0),
  };
}

const GROUP_COLUMNS = {
  model: { id: tokenDailyStats.model, name: tokenDailyStats.model },
  endpoint: { id: tokenDailyStats.endpointId, name: endpoints.name },
  api_key: { id: tokenDailyStats.apiKeyId, name: apiKeys.name },
} as const;

/**
 * Sums from `fromDate` (YYYY-MM-DD, inclusive) on, per day or per month (and per group), oldest first.
 * A range scan of the primary key (date leads it).
 */
export async function readTokenSeries(
  db: AppDatabase,
  options: { unit: "day" | "month"; fromDate: string; groupBy?: TokenGroup | undefined },
): Promise<TokenSeriesRow[]> {
  const period =
    options.unit === "day"
      ? sql<string>`${tokenDailyStats.date}`
      : sql<string>`substr(${tokenDailyStats.date}, 1, 7)`;
  const where = gte(tokenDailyStats.date, options.fromDate);
  if (options.groupBy === undefined) {
    const rows = await db
      .select({ period, ...sums })
      .from(tokenDailyStats)
      .where(where)
      .groupBy(period)
      .orderBy(period);
    return rows.map((row) => ({ ...numbers(row), period: row.period }));
  }
  const group = GROUP_COLUMNS[options.groupBy];
  let query = db
    .select({ period, groupId: group.id, groupName: sql<string | null>`max(${group.name})`, ...sums })
    .from(tokenDailyStats)
    .$dynamic();
  if (options.groupBy === "endpoint")
    query = query.leftJoin(endpoints, sql`${endpoints.id} = ${tokenDailyStats.endpointId}`);
  if (options.groupBy === "api_key")
    query = query.leftJoin(apiKeys, sql`${apiKeys.id} = ${tokenDailyStats.apiKeyId}`);
  const rows = await query.where(where).groupBy(period, group.id).orderBy(period, group.id);
  return rows.map((row) => ({
    ...numbers(row),
    period: row.period,
    groupId: row.groupId,
    groupName: row.groupName,
  }));
}

function numbers(row: { inputTokens: unknown; outputTokens: unknown; requests: unknown }): TokenTotals {
  return {
    inputTokens: Number(row.inputTokens),
    outputTokens: Number(row.outputTokens),
    requests: Number(row.requests),
  };
}
