// Owns the wire form of finished requests on /api/events: the RequestCompleted records of one coalescing
// window (or one replay) as a single RequestsCompleted event, and reading it back into records. Pure.
//
// Why a batch and not one event per record: a dashboard receives every record, so each record's bytes are
// paid once per reading client. A record as its own JSON object is ≈ 550 bytes (field names, ISO instants and
// the ids of endpoint, key and model repeated in every one); grouped by what requests share and sent as
// value rows it is ≈ 70 bytes, and with 100 clients on /api/events the fleet-wide cost of that difference was
// 25–30 % of the proxy's throughput on the bench machine (bench section 6). Nothing is left out: every record
// is rebuilt exactly by completionsOf(). A request id that is a UUID as llmlb generates them (lower-case, 36
// characters) travels as `~` and its 16 bytes in base64url (23 characters instead of 36: the id was 38 of a
// row's ≈ 67 bytes on the bench); any other id (a client's own x-request-id, which never starts with `~`)
// travels as it is.
// The dashboard bundles this module to read the batches: it imports nothing but types.ts.
import type { IsoTime } from "../http/wire-time.js";
import {
  COMPLETION_ROW_COLUMNS,
  type CompletionBatchJson,
  type CompletionGroupField,
  type CompletionGroupJson,
  type CompletionJson,
  type CompletionRecord,
} from "./types.js";

/** What the requests of one group share; each is the record's field of the same name. */
const GROUP_FIELDS = [
  "endpoint_id",
  "endpoint_name",
  "model",
  "endpoint_model",
  "api_kind",
  "status",
  "status_code",
  "error",
  "stream",
  "estimated",
  "client_ip",
  "api_key_id",
  "source",
] as const satisfies readonly CompletionGroupField[];

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Starts a compact request id; no id the HTTP layer accepts from a client starts with it. */
const COMPACT_MARK = "~";
const COMPACT_LENGTH = 23;

/** A lower-case UUID → `~` + its 16 bytes in base64url (no padding); any other id unchanged. */
export function compactRequestId(id: string): string {
  if (id.length !== 36 || !UUID.test(id)) return id;
  const hex = id.replace(/-/g, "");
  let out = COMPACT_MARK;
  // 12 bits (3 hex digits) → 2 characters, ten times; the last 8 bits → 2 characters (4 bits of padding).
  for (let i = 0; i < 30; i += 3) {
    const bits = Number.parseInt(hex.slice(i, i + 3), 16);
    out += BASE64URL.charAt(bits >> 6) + BASE64URL.charAt(bits & 63);
  }
  const last = Number.parseInt(hex.slice(30), 16);
  return out + BASE64URL.charAt(last >> 2) + BASE64URL.charAt((last & 3) << 4);
}

/** compactRequestId() undone: a compact id → its UUID; any other id unchanged. */
export function expandRequestId(id: string): string {
  if (id.length !== COMPACT_LENGTH || !id.startsWith(COMPACT_MARK)) return id;
  const digit = (index: number) => BASE64URL.indexOf(id.charAt(index));
  let hex = "";
  for (let i = 1; i < 21; i += 2) hex += ((digit(i) << 6) | digit(i + 1)).toString(16).padStart(3, "0");
  hex += ((digit(21) << 2) | (digit(22) >> 4)).toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Epoch ms → the wire's instant form (what http/wire-time.ts isoTime returns for an integer ms). */
function wireInstant(epochMs: number): IsoTime {
  return new Date(epochMs).toISOString() as IsoTime;
}

/** The group key: GROUP_FIELDS' values, each ended by a control character (null has its own). */
function groupKey(record: CompletionRecord): string {
  let key = "";
  for (const field of GROUP_FIELDS) {
    const value = record[field];
    key += value === null ? "\u0001" : `${value}\u0000`;
  }
  return key;
}

function newGroup(record: CompletionRecord): CompletionGroupJson {
  return {
    endpoint_id: record.endpoint_id,
    endpoint_name: record.endpoint_name,
    model: record.model,
    endpoint_model: record.endpoint_model,
    api_kind: record.api_kind,
    status: record.status,
    status_code: record.status_code,
    error: record.error,
    stream: record.stream,
    estimated: record.estimated,
    client_ip: record.client_ip,
    api_key_id: record.api_key_id,
    source: record.source,
    rows: [],
  };
}

/** Records (at least one, in the order they were published) → one batch; groups in order of first appearance. */
export function completionBatch(records: readonly CompletionRecord[]): CompletionBatchJson {
  const base = records[0]?.finished_at ?? 0;
  const groups = new Map<string, CompletionGroupJson>();
  for (const record of records) {
    const key = groupKey(record);
    let group = groups.get(key);
    if (!group) {
      group = newGroup(record);
      groups.set(key, group);
    }
    group.rows.push([
      compactRequestId(record.request_id),
      record.finished_at - base,
      record.input_tokens,
      record.output_tokens,
      record.ttft_ms,
      record.duration_ms,
      record.concurrency ?? null,
    ]);
  }
  return { base_at: wireInstant(base), columns: COMPLETION_ROW_COLUMNS, groups: [...groups.values()] };
}

/** A batch → its records in the order they finished (ties: group order, then row order). */
export function completionsOf(batch: CompletionBatchJson): CompletionJson[] {
  const base = Date.parse(batch.base_at);
  const rows: { after: number; record: CompletionJson }[] = [];
  for (const { rows: groupRows, ...shared } of batch.groups) {
    for (const [
      request_id,
      after,
      input_tokens,
      output_tokens,
      ttft_ms,
      duration_ms,
      concurrency,
    ] of groupRows)
      rows.push({
        after,
        record: {
          ...shared,
          request_id: expandRequestId(request_id),
          finished_at: wireInstant(base + after),
          input_tokens,
          output_tokens,
          ttft_ms,
          duration_ms,
          concurrency,
        },
      });
  }
  return rows.sort((a, b) => a.after - b.after).map((row) => row.record);
}
