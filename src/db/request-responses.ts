// Owns the reads of request_history for the dashboard: the paged, filtered list (newest first, no bodies),
// one record with its bodies, and keyset pages for the export (constant memory whatever the range).
import { and, Column, count, desc, eq, gte, is, lte, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { AppDatabase } from "./client.js";
import { apiKeys, requestHistory } from "./schema.js";

/** The list's filters; the export takes the same without paging. */
export interface RequestResponsesSelection {
  model?: string | undefined;
  endpointId?: string | undefined;
  status?: "success" | "error" | undefined;
  /** Epoch ms, inclusive. */
  startTime?: number | undefined;
  /** Epoch ms, inclusive. */
  endTime?: number | undefined;
}

export interface RequestResponsesFilter extends RequestResponsesSelection {
  /** 1-based. */
  page: number;
  perPage: number;
}

export interface RequestResponseRow {
  id: number;
  requestId: string;
  createdAt: number;
  endpointId: string | null;
  endpointName: string | null;
  model: string;
  apiKind: string;
  stream: boolean;
  status: string;
  statusCode: number;
  error: string | null;
  durationMs: number;
  ttftMs: number | null;
  inputTokens: number;
  outputTokens: number;
  tokensEstimated: boolean;
  clientIp: string | null;
  source: string;
}

export const LIST_COLUMNS = {
  id: requestHistory.id,
  requestId: requestHistory.requestId,
  createdAt: requestHistory.createdAt,
  endpointId: requestHistory.endpointId,
  endpointName: requestHistory.endpointName,
  model: requestHistory.model,
  apiKind: requestHistory.apiKind,
  stream: requestHistory.stream,
  status: requestHistory.status,
  statusCode: requestHistory.statusCode,
  error: requestHistory.error,
  durationMs: requestHistory.durationMs,
  ttftMs: requestHistory.ttftMs,
  inputTokens: requestHistory.inputTokens,
  outputTokens: requestHistory.outputTokens,
  tokensEstimated: requestHistory.tokensEstimated,
  clientIp: requestHistory.clientIp,
  source: requestHistory.source,
};

function conditions(filter: RequestResponsesSelection): SQL | undefined {
  const all: SQL[] = [];
  if (filter.model !== undefined) all.push(eq(requestHistory.model, filter.model));
  if (filter.endpointId !== undefined) all.push(eq(requestHistory.endpointId, filter.endpointId));
  if (filter.status !== undefined) all.push(eq(requestHistory.status, filter.status));
  if (filter.startTime !== undefined) all.push(gte(requestHistory.createdAt, filter.startTime));
  if (filter.endTime !== undefined) all.push(lte(requestHistory.createdAt, filter.endTime));
  return all.length === 0 ? undefined : and(...all);
}

/** One page of rows and the total matching the filter (two indexed queries, whatever the page). */
export async function queryRequestResponses(
  db: AppDatabase,
  filter: RequestResponsesFilter,
): Promise<{ rows: RequestResponseRow[]; totalCount: number }> {
  const where = conditions(filter);
  const [rows, totals] = await Promise.all([
    db
      .select(LIST_COLUMNS)
      .from(requestHistory)
      .where(where)
      .orderBy(desc(requestHistory.createdAt), desc(requestHistory.id))
      .limit(filter.perPage)
      .offset((filter.page - 1) * filter.perPage),
    db.select({ total: count() }).from(requestHistory).where(where),
  ]);
  return { rows, totalCount: totals[0]?.total ?? 0 };
}

export interface RequestDetailRow extends RequestResponseRow {
  apiKeyId: string | null;
  apiKeyName: string | null;
  requestBody: string | null;
  responseBody: string | null;
  requestBodyTruncated: boolean;
  responseBodyTruncated: boolean;
  /** JSON text of the attempts (see schema). */
  attempts: string | null;
}

/**
 * The key's name as a correlated lookup (its primary key), not a join: request_history stays the only table
 * scanned, so the export's ORDER BY walks the created_at index instead of sorting every row.
 */
const apiKeyName = sql<
  string | null
>`(SELECT ${apiKeys.name} FROM ${apiKeys} WHERE ${apiKeys.id} = ${requestHistory.apiKeyId})`;

const DETAIL_COLUMNS = {
  ...LIST_COLUMNS,
  apiKeyId: requestHistory.apiKeyId,
  apiKeyName,
  requestBody: requestHistory.requestBody,
  responseBody: requestHistory.responseBody,
  requestBodyTruncated: requestHistory.requestBodyTruncated,
  responseBodyTruncated: requestHistory.responseBodyTruncated,
  attempts: requestHistory.attempts,
};

/** One record with its bodies and key name; undefined when there is none with that id. */
export async function readRequestDetail(db: AppDatabase, id: number): Promise<RequestDetailRow | undefined> {
  const [row] = await db.select(DETAIL_COLUMNS).from(requestHistory).where(eq(requestHistory.id, id));
  return row;
}

/** Where the previous export page ended (its last row), newest-first order. */
export interface ExportCursor {
  createdAt: number;
  id: number;
}

/**
 * The export's columns, as a subquery's fields. The driver builds a JS object with a property per cell of
 * every row, which costs more than SQLite's query; a page arrives instead as one JSON text, an array of one
 * array per row in these columns' order, that one JSON.parse turns into the page's values.
 */
function exportFields(columns: Record<keyof typeof DETAIL_COLUMNS, SQL | SQLiteColumn>) {
  const entries = Object.entries(columns);
  // A subquery's computed columns need names.
  const fields: Record<string, SQL.Aliased | SQLiteColumn> = Object.fromEntries(
    entries.map(([key, column]) => [key, is(column, Column) ? column : sql`${column}`.as(key)]),
  );
  return { fields, keys: entries.map(([key]) => key) };
}

const EXPORT_WITH_BODIES = exportFields(DETAIL_COLUMNS);
const EXPORT_WITHOUT_BODIES = exportFields({
  ...DETAIL_COLUMNS,
  requestBody: sql<null>`null`,
  responseBody: sql<null>`null`,
});

/** Each column's place in a packed row (the same in both variants: the override keeps the key order). */
const AT = Object.fromEntries(EXPORT_WITH_BODIES.keys.map((key, i) => [key, i])) as Record<
  keyof typeof DETAIL_COLUMNS,
  number
>;

/**
 * One packed row as the driver would have decoded it (SQLite's 0/1 → boolean, as drizzle's boolean mode).
 * An object literal, not a loop over the columns: V8 builds it several times faster, and the export decodes
 * thousands of rows per MiB.
 */
function unpack(v: unknown[]): RequestDetailRow {
  return {
    id: v[AT.id] as number,
    requestId: v[AT.requestId] as string,
    createdAt: v[AT.createdAt] as number,
    endpointId: v[AT.endpointId] as string | null,
    endpointName: v[AT.endpointName] as string | null,
    model: v[AT.model] as string,
    apiKind: v[AT.apiKind] as string,
    stream: Number(v[AT.stream]) === 1,
    status: v[AT.status] as string,
    statusCode: v[AT.statusCode] as number,
    error: v[AT.error] as string | null,
    durationMs: v[AT.durationMs] as number,
    ttftMs: v[AT.ttftMs] as number | null,
    inputTokens: v[AT.inputTokens] as number,
    outputTokens: v[AT.outputTokens] as number,
    tokensEstimated: Number(v[AT.tokensEstimated]) === 1,
    clientIp: v[AT.clientIp] as string | null,
    source: v[AT.source] as string,
    apiKeyId: v[AT.apiKeyId] as string | null,
    apiKeyName: v[AT.apiKeyName] as string | null,
    requestBody: v[AT.requestBody] as string | null,
    responseBody: v[AT.responseBody] as string | null,
    requestBodyTruncated: Number(v[AT.requestBodyTruncated]) === 1,
    responseBodyTruncated: Number(v[AT.responseBodyTruncated]) === 1,
    attempts: v[AT.attempts] as string | null,
  };
}

/**
 * The statement of one export page (newest first after `cursor`) as one row: the page's rows, each packed,
 * in one JSON array. Keyset paging on (created_at, id) walks the created_at index, so each page costs the
 * same however deep it is; the page is read in that order and aggregated as it comes (no sort).
 */
export function exportPageQuery(
  db: AppDatabase,
  selection: RequestResponsesSelection,
  cursor: ExportCursor | null,
  limit: number,
  withBodies: boolean,
) {
  // A row-value comparison: SQLite turns it into a range on the index (an OR of the two cases it does not).
  const after =
    cursor === null
      ? undefined
      : sql`(${requestHistory.createdAt}, ${requestHistory.id}) < (${cursor.createdAt}, ${cursor.id})`;
  const { fields, keys } = withBodies ? EXPORT_WITH_BODIES : EXPORT_WITHOUT_BODIES;
  const rows = db
    .select(fields)
    .from(requestHistory)
    .where(and(conditions(selection), after))
    .orderBy(desc(requestHistory.createdAt), desc(requestHistory.id))
    .limit(limit)
    .as("export_page");
  const cells = keys.map((key) => rows[key] as SQL.Aliased | SQLiteColumn);
  return db
    .select({ page: sql<string>`json_group_array(json_array(${sql.join(cells, sql`, `)}))` })
    .from(rows);
}

const byKeyDescending = (a: RequestDetailRow, b: RequestDetailRow) =>
  b.createdAt - a.createdAt || b.id - a.id;

/** The next `limit` rows after `cursor` (newest first), with bodies only when asked. */
export async function readExportPage(
  db: AppDatabase,
  selection: RequestResponsesSelection,
  cursor: ExportCursor | null,
  limit: number,
  withBodies: boolean,
): Promise<RequestDetailRow[]> {
  const [result] = await exportPageQuery(db, selection, cursor, limit, withBodies);
  const rows = (JSON.parse(result?.page ?? "[]") as unknown[][]).map(unpack);
  // SQLite aggregates the ordered page in its order; SQL does not promise that, so it is checked (one pass).
  for (let i = 1; i < rows.length; i++) {
    if (byKeyDescending(rows[i - 1] as RequestDetailRow, rows[i] as RequestDetailRow) > 0)
      return rows.sort(byKeyDescending);
  }
  return rows;
}
