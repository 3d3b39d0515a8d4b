// Owns GET /api/dashboard/request-responses' contract: the query schema (400 names the parameter) and
// the JSON shape of one record.
import * as v from "valibot";
import type {
  RequestResponseRow,
  RequestResponsesFilter,
  RequestResponsesSelection,
} from "../db/request-responses.js";
import type { ApiKind, CompletionRecord } from "../events/types.js";
import { type IsoTime, isoTime, timeParam } from "../http/wire-time.js";

export const PER_PAGE_CHOICES = ["10", "25", "50", "100"] as const;

const text = v.pipe(v.string(), v.trim(), v.minLength(1, "Must not be empty"), v.maxLength(512));

/** Epoch ms of 10000-01-01: anything later is a typo, not a time range. */
const LATEST_TIME = 253_402_300_800_000;
const instant = v.pipe(timeParam, v.maxValue(LATEST_TIME, "Expected a time before the year 10000"));

/** The list's filters, shared by the export. */
export const selectionFields = {
  model: v.optional(text),
  endpoint_id: v.optional(text),
  status: v.optional(v.picklist(["success", "error"], "Expected success or error")),
  start_time: v.optional(instant),
  end_time: v.optional(instant),
};

interface TimeRange extends Record<string, unknown> {
  start_time?: number | undefined;
  end_time?: number | undefined;
}

/** 400 naming end_time when the range is inverted. */
export function orderedRange<T extends TimeRange>(): v.BaseValidation<T, T, v.CheckIssue<T>> {
  const inOrder = (query: T) =>
    query.start_time === undefined || query.end_time === undefined || query.start_time <= query.end_time;
  // The path is end_time, which every T has (TimeRange); valibot can't see that through the generic.
  return v.forward<T, v.CheckIssue<T>, ["end_time"]>(v.check(inOrder, "end_time is before start_time"), [
    "end_time",
  ] as never);
}

export function toSelection(query: {
  model?: string | undefined;
  endpoint_id?: string | undefined;
  status?: "success" | "error" | undefined;
  start_time?: number | undefined;
  end_time?: number | undefined;
}): RequestResponsesSelection {
  return {
    model: query.model,
    endpointId: query.endpoint_id,
    status: query.status,
    startTime: query.start_time,
    endTime: query.end_time,
  };
}

export const requestResponsesQuery = v.pipe(
  v.object({
    page: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^\d{1,9}$/, "Expected a positive integer"),
        v.transform(Number),
        v.minValue(1, "Expected a positive integer"),
      ),
      "1",
    ),
    per_page: v.optional(
      v.pipe(v.picklist(PER_PAGE_CHOICES, "Expected one of 10, 25, 50, 100"), v.transform(Number)),
      "25",
    ),
    ...selectionFields,
  }),
  orderedRange(),
  v.transform(
    (query): RequestResponsesFilter => ({ page: query.page, perPage: query.per_page, ...toSelection(query) }),
  ),
);

export interface RequestResponseJson {
  id: number;
  request_id: string;
  /** When the request finished. */
  timestamp: IsoTime;
  endpoint_id: string | null;
  endpoint_name: string | null;
  model: string;
  api_kind: ApiKind;
  stream: boolean;
  status: CompletionRecord["status"];
  status_code: number;
  error: string | null;
  duration_ms: number;
  ttft_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** true when the token counts were estimated from text (the upstream reported none). */
  tokens_estimated: boolean;
  client_ip: string | null;
  /** api, playground or benchmark. */
  source: string;
}

export function toRequestResponseJson(row: RequestResponseRow): RequestResponseJson {
  return {
    id: row.id,
    request_id: row.requestId,
    timestamp: isoTime(row.createdAt),
    endpoint_id: row.endpointId,
    endpoint_name: row.endpointName,
    model: row.model,
    // The table holds only what the recorder wrote from completion records.
    api_kind: row.apiKind as ApiKind,
    stream: row.stream,
    status: row.status as CompletionRecord["status"],
    status_code: row.statusCode,
    error: row.error,
    duration_ms: row.durationMs,
    ttft_ms: row.ttftMs,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    total_tokens: row.inputTokens + row.outputTokens,
    tokens_estimated: row.tokensEstimated,
    client_ip: row.clientIp,
    source: row.source,
  };
}

/** GET /api/dashboard/request-responses: one page of records, newest first. */
export interface RequestResponsesPage {
  records: RequestResponseJson[];
  total_count: number;
  page: number;
  per_page: number;
}

export function requestResponsesPage(
  rows: RequestResponseRow[],
  totalCount: number,
  filter: RequestResponsesFilter,
): RequestResponsesPage {
  return {
    records: rows.map(toRequestResponseJson),
    total_count: totalCount,
    page: filter.page,
    per_page: filter.perPage,
  };
}
