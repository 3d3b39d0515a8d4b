// Owns the reads of request_history for the dashboard: the paged, filtered list (newest first, no bodies),
// one record with its bodies, and keyset pages for the export (constant memory whatever the range).
import { and, Column, count, desc, eq, gte, is, lte, type SQL, sql } from "drizzle-orm";
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
 * The export's columns packed by SQLite into one JSON array per row, and its decoder (each column's own
 * driver mapping, e.g. 0/1 → boolean). The driver builds a JS object with a property per cell, which costs
 * more than SQLite's query; one text cell per row and JSON.parse cut the export's per-row cost several times.
 */
function packedColumns(columns: Record<string, SQL | Column>) {
  const entries = Object.entries(columns);
  const packed = sql<string>`json_array(${sql.join(
    entries.map(([, column]) => column),
    sql`, `,
  )})`;
  // Resolved once, not per cell.
  const decoders = entries.map(([key, column]) => ({
    key,
    decode: is(column, Column) ? (value: unknown) => column.mapFromDriverValue(value) : undefined,
  }));
  const unpack = (text: string): RequestDetailRow => {
    const values = JSON.parse(text) as unknown[];
    const row: Record<string, unknown> = {};
    for (let i = 0; i < decoders.length; i++) {
      const { key, decode } = decoders[i] as (typeof decoders)[number];
      const value = values[i] ?? null;
      row[key] = value !== null && decode ? decode(value) : value;
    }
    return row as unknown as RequestDetailRow;
  };
  return { packed, unpack };
}

const EXPORT_WITH_BODIES = packedColumns(DETAIL_COLUMNS);
const EXPORT_WITHOUT_BODIES = packedColumns({
  ...DETAIL_COLUMNS,
  requestBody: sql<null>`null`,
  responseBody: sql<null>`null`,
});

/**
 * The statement of one export page (newest first after `cursor`): keyset paging on (created_at, id) walks
 * the created_at index, so each page costs the same however deep it is.
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
  const { packed } = withBodies ? EXPORT_WITH_BODIES : EXPORT_WITHOUT_BODIES;
  return db
    .select({ packed })
    .from(requestHistory)
    .where(and(conditions(selection), after))
    .orderBy(desc(requestHistory.createdAt), desc(requestHistory.id))
    .limit(limit);
}

/** The next `limit` rows after `cursor` (newest first), with bodies only when asked. */
export async function readExportPage(
  db: AppDatabase,
  selection: RequestResponsesSelection,
  cursor: ExportCursor | null,
  limit: number,
  withBodies: boolean,
): Promise<RequestDetailRow[]> {
  const { unpack } = withBodies ? EXPORT_WITH_BODIES : EXPORT_WITHOUT_BODIES;
  const rows = await exportPageQuery(db, selection, cursor, limit, withBodies);
  return rows.map((row) => unpack(row.packed));
}
