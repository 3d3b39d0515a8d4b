// Owns the wire form of finished requests on /api/events: the RequestCompleted records of one coalescing
// window (or one replay) as a single RequestsCompleted event, and reading it back into records. Pure.
//
// Why a batch and not one event per record: a dashboard receives every record, so each record's bytes are
// paid once per reading client. A record as its own JSON object is ≈ 550 bytes (field names, ISO instants and
// the ids of endpoint, key and model repeated in every one); grouped by what requests share and sent as
// value rows it is ≈ 70 bytes, and with 100 clients on /api/events the fleet-wide cost of that difference was
// 25–30 % of the proxy's throughput on the bench machine (bench section 6). Nothing is left out: every record
// is rebuilt exactly by completionsOf().
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
      record.request_id,
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
          request_id,
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
