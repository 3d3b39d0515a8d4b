// Owns GET /api/dashboard/request-responses' contract: the query schema (400 names the parameter) and
// the JSON shape of one record.
import * as v from "valibot";
import type { RequestResponseRow, RequestResponsesFilter } from "../db/request-responses.js";

export const PER_PAGE_CHOICES = ["10", "25", "50", "100"] as const;

/** RFC 3339 / ISO 8601 date-time, or epoch milliseconds. */
export const timeParam = v.pipe(
  v.string(),
  v.check(
    (text) => /^\d{1,15}$/.test(text) || (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text))),
    "Expected an ISO 8601 date-time or epoch milliseconds",
  ),
  v.transform((text) => (/^\d+$/.test(text) ? Number(text) : Date.parse(text))),
);

const text = v.pipe(v.string(), v.trim(), v.minLength(1, "Must not be empty"), v.maxLength(512));

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
    model: v.optional(text),
    endpoint_id: v.optional(text),
    status: v.optional(v.picklist(["success", "error"], "Expected success or error")),
    start_time: v.optional(timeParam),
    end_time: v.optional(timeParam),
  }),
  v.transform(
    (query): RequestResponsesFilter => ({
      page: query.page,
      perPage: query.per_page,
      model: query.model,
      endpointId: query.endpoint_id,
      status: query.status,
      startTime: query.start_time,
      endTime: query.end_time,
    }),
  ),
);

export interface RequestResponseJson {
  id: number;
  request_id: string;
  /** When the request finished, ISO 8601 UTC. */
  timestamp: string;
  endpoint_id: string | null;
  endpoint_name: string | null;
  model: string;
  api_kind: string;
  stream: boolean;
  status: string;
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
}

export function toRequestResponseJson(row: RequestResponseRow): RequestResponseJson {
  return {
    id: row.id,
    request_id: row.requestId,
    timestamp: new Date(row.createdAt).toISOString(),
    endpoint_id: row.endpointId,
    endpoint_name: row.endpointName,
    model: row.model,
    api_kind: row.apiKind,
    stream: row.stream,
    status: row.status,
    status_code: row.statusCode,
    error: row.error,
    duration_ms: row.durationMs,
    ttft_ms: row.ttftMs,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    total_tokens: row.inputTokens + row.outputTokens,
    tokens_estimated: row.tokensEstimated,
    client_ip: row.clientIp,
  };
}
