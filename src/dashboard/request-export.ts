// Owns GET /api/dashboard/request-responses/export: its query (the list's filters, format, include_bodies)
// and the streamed body, CSV (RFC 4180, formula cells prefixed with '; see export-csv.ts) or a JSON array.
// Memory stays flat whatever the range: one keyset page is read only when the client has taken the last.
import * as v from "valibot";
import type { ExportCursor, RequestDetailRow } from "../db/request-responses.js";
import { CSV_LAYOUT, CSV_LAYOUT_WITH_BODIES, csvLines } from "./export-csv.js";
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

/**
 * Rows per page. The first page is small so the download starts at once; each next one doubles up to the
 * cap (fewer statements, bigger writes), which bounds memory. Bodies can be up to 2 × LLMLB_LOG_BODY_MAX_BYTES
 * each, so with them every page is small.
 */
export const EXPORT_FIRST_PAGE_ROWS = 250;
export const EXPORT_PAGE_ROWS = 1000;
export const EXPORT_PAGE_ROWS_WITH_BODIES = 20;

/** Turns one page of rows into text; `first` opens the document. */
function pageText(rows: RequestDetailRow[], options: ExportOptions, first: boolean): string {
  if (options.format === "csv") {
    const layout = options.includeBodies ? CSV_LAYOUT_WITH_BODIES : CSV_LAYOUT;
    return first ? layout.header + csvLines(rows, layout) : csvLines(rows, layout);
  }
  const items = rows
    .map((row) => JSON.stringify(options.includeBodies ? toRequestDetailJson(row) : toRequestRecordJson(row)))
    .join(",\n");
  return items === "" ? "" : first ? items : `,\n${items}`;
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
  const cap = options.includeBodies ? EXPORT_PAGE_ROWS_WITH_BODIES : EXPORT_PAGE_ROWS;
  let limit = Math.min(EXPORT_FIRST_PAGE_ROWS, cap);
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
        limit = Math.min(limit * 2, cap);
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
