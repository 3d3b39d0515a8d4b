// Owns the SQL of one recorder flush as plain parameterised statements (no query builder on this path):
// additive counter UPDATEs, additive daily-stats UPSERTs, multi-row history INSERTs and the counters
// read-back, run by libSQL in one write transaction. Column names come from the schema.
import type { Client, InStatement, Row } from "@libsql/client";
import type { Batch, HistoryRow } from "../stats/pending-writes.js";
import type { RequestCounters } from "../stats/types.js";
import { endpointDailyStats, endpoints, requestHistory } from "./schema.js";

/**
 * History rows per INSERT statement (20 columns × 64 = 1280 bound variables, far below SQLite's limit).
 * The statement text for each row count 1..64 is built once and reused, so at most 64 short strings exist.
 */
export const ROWS_PER_INSERT = 64;

const quote = (column: { name: string }) => `"${column.name}"`;

const HISTORY_KEYS = [
  "requestId",
  "createdAt",
  "endpointId",
  "endpointName",
  "model",
  "apiKind",
  "stream",
  "status",
  "statusCode",
  "error",
  "durationMs",
  "ttftMs",
  "inputTokens",
  "outputTokens",
  "tokensEstimated",
  "clientIp",
  "apiKeyId",
  "source",
  "requestBody",
  "responseBody",
] as const satisfies readonly (keyof HistoryRow)[];

const HISTORY_PREFIX = `INSERT INTO "request_history" (${HISTORY_KEYS.map((key) => quote(requestHistory[key])).join(", ")}) VALUES `;
const HISTORY_TUPLE = `(${HISTORY_KEYS.map(() => "?").join(",")})`;

const COUNTER_KEYS = [
  "totalRequests",
  "successfulRequests",
  "failedRequests",
  "totalInputTokens",
  "totalOutputTokens",
] as const satisfies readonly (keyof RequestCounters)[];

const COUNTERS_UPDATE = `UPDATE "endpoints" SET ${COUNTER_KEYS.map((key) => `${quote(endpoints[key])} = ${quote(endpoints[key])} + ?`).join(", ")} WHERE ${quote(endpoints.id)} = ?`;

const COUNTERS_SELECT = `SELECT ${quote(endpoints.id)}, ${COUNTER_KEYS.map((key) => quote(endpoints[key])).join(", ")} FROM "endpoints"`;

const DAILY_KEYS = ["endpointId", "modelId", "date", "apiKind"] as const;
const DAILY_SUMS = [...COUNTER_KEYS, "totalDurationMs"] as const;
const DAILY_UPSERT = [
  `INSERT INTO "endpoint_daily_stats" (${[...DAILY_KEYS, ...DAILY_SUMS].map((key) => quote(endpointDailyStats[key])).join(", ")})`,
  `VALUES (${[...DAILY_KEYS, ...DAILY_SUMS].map(() => "?").join(",")})`,
  `ON CONFLICT (${DAILY_KEYS.map((key) => quote(endpointDailyStats[key])).join(", ")}) DO UPDATE SET`,
  DAILY_SUMS.map((key) => {
    const column = quote(endpointDailyStats[key]);
    return `${column} = ${column} + excluded.${column}`;
  }).join(", "),
].join(" ");

type Value = string | number | null;
const value = (field: HistoryRow[keyof HistoryRow]): Value =>
  field === undefined ? null : typeof field === "boolean" ? (field ? 1 : 0) : field;

export interface BatchSql {
  /** Writes one batch in one transaction and returns every endpoint's counters as committed. */
  write(client: Client, batch: Batch): Promise<Map<string, RequestCounters>>;
}

export function createBatchSql(): BatchSql {
  const insertText: string[] = [];
  const historyInsert = (rows: number): string => {
    let text = insertText[rows];
    if (text === undefined) {
      text = HISTORY_PREFIX + new Array<string>(rows).fill(HISTORY_TUPLE).join(",");
      insertText[rows] = text;
    }
    return text;
  };

  // Named so CPU profiles (the bench's "flush CPU") can find it.
  async function writeFlushBatch(client: Client, batch: Batch): Promise<Map<string, RequestCounters>> {
    const statements: InStatement[] = [];
    for (const [id, delta] of batch.counters) {
      statements.push({ sql: COUNTERS_UPDATE, args: [...COUNTER_KEYS.map((key) => delta[key]), id] });
    }
    for (const row of batch.daily.values()) {
      statements.push({
        sql: DAILY_UPSERT,
        args: [...DAILY_KEYS.map((key) => row[key]), ...DAILY_SUMS.map((key) => row[key])],
      });
    }
    const history = batch.history;
    for (let start = 0; start < history.length; start += ROWS_PER_INSERT) {
      const end = Math.min(history.length, start + ROWS_PER_INSERT);
      const args: Value[] = [];
      for (let i = start; i < end; i++) {
        const row = history[i] as HistoryRow;
        for (const key of HISTORY_KEYS) args.push(value(row[key]));
      }
      statements.push({ sql: historyInsert(end - start), args });
    }
    statements.push(COUNTERS_SELECT);
    const results = await client.batch(statements, "write");
    const rows = results[results.length - 1]?.rows ?? [];
    return new Map(rows.map((row: Row) => [String(row[0]), countersFrom(row)]));
  }
  return { write: writeFlushBatch };
}

function countersFrom(row: Row): RequestCounters {
  return {
    totalRequests: Number(row[1]),
    successfulRequests: Number(row[2]),
    failedRequests: Number(row[3]),
    totalInputTokens: Number(row[4]),
    totalOutputTokens: Number(row[5]),
  };
}
