// Owns GET /api/dashboard/request-responses/export: its query (the list's filters, format, include_bodies)
// and the streamed body, CSV (RFC 4180 via csv-stringify, formula cells prefixed with ') or a JSON array.
// Memory stays flat whatever the range: one keyset page is read only when the client has taken the last.
import { stringify } from "csv-stringify/sync";
import * as v from "valibot";
import type { ExportCursor, RequestDetailRow } from "../db/request-responses.js";
import {
  type RequestDetailJson,
  type RequestRecordJson,
  toRequestDetailJson,
  toRequestRecordJson,
} from "./request-detail.js";
import { orderedRange, selectionFields, toSelection } from "./request-responses.js";

export const exportQuery = v.pipe(
  v.object({
    ...selectionFields,
    format: v.optional(v.picklist(["csv", "json"], "Expected csv or json"), "csv"),
    include_bodies: v.optional(v.picklist(["0", "1"], "Expected 0 or 1"), "0"),
  }),
  orderedRange(),
  v.transform((query) => ({
    selection: toSelection(query),
    format: query.format,
    includeBodies: query.include_bodies === "1",
  })),
);

export type ExportOptions = v.InferOutput<typeof exportQuery>;

/** One element of the JSON export: the detail record; bodies only with include_bodies=1. */
export type ExportRecordJson = RequestRecordJson | RequestDetailJson;

/** Rows per page: bodies can be up to 2 × LLMLB_LOG_BODY_MAX_BYTES each, so fewer of them at once. */
export const EXPORT_PAGE_ROWS = 500;
export const EXPORT_PAGE_ROWS_WITH_BODIES = 20;

const CSV_COLUMNS = [
  "id",
  "request_id",
  "timestamp",
  "endpoint_id",
  "endpoint_name",
  "model",
  "api_kind",
  "stream",
  "status",
  "status_code",
  "error",
  "duration_ms",
  "ttft_ms",
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "tokens_estimated",
  "client_ip",
  "api_key_id",
  "api_key_name",
  "attempts",
] as const;
const BODY_COLUMNS = [
  "request_body",
  "response_body",
  "request_body_truncated",
  "response_body_truncated",
] as const;

/** One CSV line's cells in `columns` order: arrays spare csv-stringify a property-path lookup per cell. */
function csvCells(record: ExportRecordJson, columns: readonly string[]): unknown[] {
  const cells = record as unknown as Record<string, unknown>;
  // Attempts as "name → name" in one cell: readable in a spreadsheet.
  const attempts = record.attempts.map((attempt) => attempt.endpoint_name).join(" → ");
  return columns.map((column) => (column === "attempts" ? attempts : cells[column]));
}

/** Turns one page of rows into text; `first` opens the document. */
function pageText(rows: RequestDetailRow[], options: ExportOptions, first: boolean): string {
  const records = rows.map((row) =>
    options.includeBodies ? toRequestDetailJson(row) : toRequestRecordJson(row),
  );
  if (options.format === "json") {
    const items = records.map((record) => JSON.stringify(record)).join(",\n");
    return items === "" ? "" : first ? items : `,\n${items}`;
  }
  const columns = options.includeBodies ? [...CSV_COLUMNS, ...BODY_COLUMNS] : [...CSV_COLUMNS];
  return stringify(
    records.map((record) => csvCells(record, columns)),
    {
      header: first,
      columns,
      record_delimiter: "\r\n",
      escape_formulas: true,
      cast: { boolean: (value) => (value ? "true" : "false") },
    },
  );
}

/**
 * Waits for the event loop's next turn. A local libSQL file answers synchronously and the socket takes each
 * chunk at once, so without this the page loop runs as one chain of microtasks: the socket is not flushed,
 * a client's cancel is not seen and every other request waits until the kernel's buffer is full.
 */
function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

export type ReadExportPage = (cursor: ExportCursor | null, limit: number) => Promise<RequestDetailRow[]>;

/**
 * The export as a pull stream. The first page is read before the stream exists, so a database that cannot
 * answer fails the request (503) instead of an empty download. A later failure ends the stream with an
 * error (the client sees a cut download, never a silently short one).
 */
export async function exportStream(
  read: ReadExportPage,
  options: ExportOptions,
): Promise<ReadableStream<Uint8Array>> {
  const limit = options.includeBodies ? EXPORT_PAGE_ROWS_WITH_BODIES : EXPORT_PAGE_ROWS;
  const encoder = new TextEncoder();
  let rows = await read(null, limit);
  let first = true;
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (done) return;
        let text = first && options.format === "json" ? "[\n" : "";
        text += pageText(rows, options, first);
        first = false;
        const last = rows[rows.length - 1];
        if (rows.length < limit || last === undefined) {
          done = true;
          if (options.format === "json") text += "\n]\n";
          controller.enqueue(encoder.encode(text));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(text));
        await nextTurn();
        rows = await read({ createdAt: last.createdAt, id: last.id }, limit);
      },
    },
    { highWaterMark: 0 },
  );
}

/** `llmlb-requests-20261130T204500Z.csv` */
export function exportFileName(format: "csv" | "json", now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  return `llmlb-requests-${stamp}.${format}`;
}
