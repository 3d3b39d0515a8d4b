// Owns the token statistics' contract: /api/dashboard/stats/tokens (all-time totals) and its daily and
// monthly series (UTC), optionally split by model, endpoint or API key. Ranges end today (UTC).
import * as v from "valibot";
import type { TokenGroup, TokenSeriesRow, TokenTotals } from "../db/token-stats.js";

const DAY_MS = 86_400_000;

/** A positive integer count parameter within [1, max]; 400 names the parameter. */
export function countParam(fallback: number, max: number) {
  return v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,6}$/, `Expected an integer from 1 to ${max}`),
      v.transform(Number),
      v.minValue(1, `Expected an integer from 1 to ${max}`),
      v.maxValue(max, `Expected an integer from 1 to ${max}`),
    ),
    String(fallback),
  );
}

const groupBy = v.optional(
  v.picklist(["model", "endpoint", "api_key"], "Expected model, endpoint or api_key"),
);

export const dailyTokensQuery = v.object({ days: countParam(30, 366), group_by: groupBy });
export const monthlyTokensQuery = v.object({ months: countParam(12, 120), group_by: groupBy });

/** GET /api/dashboard/stats/tokens: every request ever recorded (kept after the history's retention). */
export interface TokenTotalsJson {
  total_input_tokens: number;
  total_output_tokens: number;
  total_requests: number;
}

export function tokenTotalsJson(totals: TokenTotals): TokenTotalsJson {
  return {
    total_input_tokens: totals.inputTokens,
    total_output_tokens: totals.outputTokens,
    total_requests: totals.requests,
  };
}

interface TokenFiguresJson {
  input_tokens: number;
  output_tokens: number;
  requests: number;
  /** With group_by: the model, endpoint id or API key id ('' for requests that had none). */
  group_id?: string;
  /** With group_by: the model, the endpoint's or key's name (null once deleted or for none). */
  group_name?: string | null;
}

/** One row of /stats/tokens/daily: `date` is a UTC calendar day. */
export interface DailyTokensJson extends TokenFiguresJson {
  date: string;
}

/** One row of /stats/tokens/monthly: `month` is a UTC calendar month. */
export interface MonthlyTokensJson extends TokenFiguresJson {
  month: string;
}

/** The first UTC day of the range (YYYY-MM-DD): `days` days ending today, or `months` months ending this month. */
export function rangeStart(unit: "day" | "month", count: number, now: number): string {
  if (unit === "day") return new Date(now - (count - 1) * DAY_MS).toISOString().slice(0, 10);
  const today = new Date(now);
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - (count - 1), 1))
    .toISOString()
    .slice(0, 10);
}

/** Every period of the range, oldest first (YYYY-MM-DD or YYYY-MM). */
function periods(unit: "day" | "month", count: number, now: number): string[] {
  const start = rangeStart(unit, count, now);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(`${start}T00:00:00Z`);
    if (unit === "day") out.push(new Date(at.getTime() + i * DAY_MS).toISOString().slice(0, 10));
    else out.push(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + i, 1)).toISOString().slice(0, 7));
  }
  return out;
}

function figures(row: TokenSeriesRow, grouped: boolean): TokenFiguresJson {
  return {
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    requests: row.requests,
    ...(grouped ? { group_id: row.groupId ?? "", group_name: row.groupName ?? null } : {}),
  };
}

/**
 * The series, oldest first. Without a group every period of the range has a row (zeros where nothing
 * ran), so a chart needs no gap filling; with a group only the (period, group) pairs that ran.
 */
function series(
  rows: TokenSeriesRow[],
  options: { unit: "day" | "month"; count: number; now: number; grouped: boolean },
): { period: string; figures: TokenFiguresJson }[] {
  if (options.grouped) return rows.map((row) => ({ period: row.period, figures: figures(row, true) }));
  const byPeriod = new Map(rows.map((row) => [row.period, row]));
  return periods(options.unit, options.count, options.now).map((period) => {
    const row = byPeriod.get(period);
    return {
      period,
      figures: {
        input_tokens: row?.inputTokens ?? 0,
        output_tokens: row?.outputTokens ?? 0,
        requests: row?.requests ?? 0,
      },
    };
  });
}

export function dailyTokensJson(
  rows: TokenSeriesRow[],
  days: number,
  now: number,
  groupBy: TokenGroup | undefined,
): DailyTokensJson[] {
  return series(rows, { unit: "day", count: days, now, grouped: groupBy !== undefined }).map((item) => ({
    date: item.period,
    ...item.figures,
  }));
}

export function monthlyTokensJson(
  rows: TokenSeriesRow[],
  months: number,
  now: number,
  groupBy: TokenGroup | undefined,
): MonthlyTokensJson[] {
  return series(rows, { unit: "month", count: months, now, grouped: groupBy !== undefined }).map((item) => ({
    month: item.period,
    ...item.figures,
  }));
}
