// Owns GET /api/dashboard/request-responses/{id}'s contract: the id parameter and one record with its
// bodies, key and attempts (also the JSON export's record, bodies left out unless asked for).
import * as v from "valibot";
import type { RequestDetailRow } from "../db/request-responses.js";
import type { AttemptJson } from "../stats/types.js";
import { type RequestResponseJson, toRequestResponseJson } from "./request-responses.js";

export const requestIdParams = v.object({
  id: v.pipe(
    v.string(),
    v.regex(/^[1-9]\d{0,14}$/, "Expected a request record id (a positive integer)"),
    v.transform(Number),
  ),
});

/** A record with its key and attempts; bodies are absent (not null) when not asked for (export). */
export interface RequestRecordJson extends RequestResponseJson {
  api_key_id: string | null;
  /** The key's current name; null when there was no key or it was deleted. */
  api_key_name: string | null;
  /** The endpoints tried, in order (empty when none was). */
  attempts: AttemptJson[];
}

/** GET /api/dashboard/request-responses/{id}. */
export interface RequestDetailJson extends RequestRecordJson {
  /** As the client sent it, as text (JSON for /v1 calls); null when bodies were not being stored. */
  request_body: string | null;
  /** The answer; a stream's reassembled as one JSON object (never raw SSE); null when not stored. */
  response_body: string | null;
  request_body_truncated: boolean;
  response_body_truncated: boolean;
}

/** The stored attempts (JSON text) as records; none when absent or unreadable. */
export function attemptsOf(text: string | null): AttemptJson[] {
  if (text === null) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as AttemptJson[]) : [];
  } catch {
    return [];
  }
}

/**
 * The list's record extended in place, not spread into a copy: the JSON export builds thousands per MiB and
 * the copy was a large share of its time. Keys keep this order (JSON.stringify writes insertion order).
 */
export function toRequestRecordJson(row: RequestDetailRow): RequestRecordJson {
  const record = toRequestResponseJson(row) as RequestRecordJson;
  record.api_key_id = row.apiKeyId;
  record.api_key_name = row.apiKeyName;
  record.attempts = attemptsOf(row.attempts);
  return record;
}

export function toRequestDetailJson(row: RequestDetailRow): RequestDetailJson {
  const record = toRequestRecordJson(row) as RequestDetailJson;
  record.request_body = row.requestBody;
  record.response_body = row.responseBody;
  record.request_body_truncated = row.requestBodyTruncated;
  record.response_body_truncated = row.responseBodyTruncated;
  return record;
}
