// Owns the paged, filtered read of request_history for the dashboard (newest first). No bodies.
import { and, count, desc, eq, gte, lte, type SQL } from "drizzle-orm";
import type { AppDatabase } from "./client.js";
import { requestHistory } from "./schema.js";

export interface RequestResponsesFilter {
  /** 1-based. */
  page: number;
  perPage: number;
  model?: string | undefined;
  endpointId?: string | undefined;
  status?: "success" | "error" | undefined;
  /** Epoch ms, inclusive. */
  startTime?: number | undefined;
  /** Epoch ms, inclusive. */
  endTime?: number | undefined;
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

function conditions(filter: RequestResponsesFilter): SQL | undefined {
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
      .select({
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
      })
      .from(requestHistory)
      .where(where)
      .orderBy(desc(requestHistory.createdAt), desc(requestHistory.id))
      .limit(filter.perPage)
      .offset((filter.page - 1) * filter.perPage),
    db.select({ total: count() }).from(requestHistory).where(where),
  ]);
  return { rows, totalCount: totals[0]?.total ?? 0 };
}
