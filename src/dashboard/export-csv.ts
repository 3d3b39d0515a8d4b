// Owns the CSV export's text: the header (csv-stringify's) and one RFC 4180 line per row, built straight
// from the row. Byte for byte what csv-stringify writes with CSV_OPTIONS (CRLF; cells holding " , CR or LF
// quoted; formula starts prefixed with '; booleans true/false) — test/integration/export-text.test.ts checks
// it against csv-stringify and csv-parse — without its per-cell cast machinery, most of an export's CPU.
import { stringify } from "csv-stringify/sync";
import type { RequestDetailRow } from "../db/request-responses.js";
import { isoTime } from "../http/wire-time.js";
import { attemptsOf } from "./request-detail.js";

type CellValue = string | number | boolean | null;

/** The file's columns; `recordLine` and `bodyCells` write them in this order. */
const RECORD_COLUMNS = [
  ...["id", "request_id", "timestamp", "endpoint_id", "endpoint_name", "model", "api_kind", "stream"],
  ...["status", "status_code", "error", "duration_ms", "ttft_ms", "input_tokens", "output_tokens"],
  ...["total_tokens", "tokens_estimated", "client_ip", "api_key_id", "api_key_name", "attempts"],
];
const BODY_COLUMNS = ["request_body", "response_body", "request_body_truncated", "response_body_truncated"];

/** Attempts as "name → name" in one cell: readable in a spreadsheet. */
function attemptNames(attempts: string | null): string {
  return attempts === null
    ? ""
    : attemptsOf(attempts)
        .map((attempt) => attempt.endpoint_name)
        .join(" → ");
}

/**
 * One row's cells (the JSON record's values), written out rather than looped over a list of accessors: an
 * export formats thousands of rows per MiB, and its first ones run before the JIT has optimised anything.
 */
function recordLine(row: RequestDetailRow): string {
  return (
    `${csvCell(row.id)},${csvCell(row.requestId)},${csvCell(isoTime(row.createdAt))},` +
    `${csvCell(row.endpointId)},${csvCell(row.endpointName)},${csvCell(row.model)},${csvCell(row.apiKind)},` +
    `${csvCell(row.stream)},${csvCell(row.status)},${csvCell(row.statusCode)},${csvCell(row.error)},` +
    `${csvCell(row.durationMs)},${csvCell(row.ttftMs)},${csvCell(row.inputTokens)},${csvCell(row.outputTokens)},` +
    `${csvCell(row.inputTokens + row.outputTokens)},${csvCell(row.tokensEstimated)},${csvCell(row.clientIp)},` +
    `${csvCell(row.apiKeyId)},${csvCell(row.apiKeyName)},${csvCell(attemptNames(row.attempts))}`
  );
}

function bodyCells(row: RequestDetailRow): string {
  return (
    `,${csvCell(row.requestBody)},${csvCell(row.responseBody)},` +
    `${csvCell(row.requestBodyTruncated)},${csvCell(row.responseBodyTruncated)}`
  );
}

/** The export's csv-stringify options: the header line is still written by the library. */
const CSV_OPTIONS = {
  record_delimiter: "\r\n",
  quote_record_delimiter: true,
  escape_formulas: true,
  cast: { boolean: (value: boolean) => (value ? "true" : "false") },
} as const;

/** A cell's first character that makes a spreadsheet read it as a formula (csv-stringify's list). */
function startsFormula(text: string): boolean {
  switch (text.charCodeAt(0)) {
    case 0x3d: // =
    case 0x2b: // +
    case 0x2d: // -
    case 0x40: // @
    case 0x09: // tab
    case 0x0d: // CR
    case 0xff1d: // fullwidth =
    case 0xff0b: // fullwidth +
    case 0xff0d: // fullwidth -
    case 0xff20: // fullwidth @
      return true;
    default:
      return false;
  }
}

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

/** A text cell: formula starts prefixed with ', quoted when it holds " , CR or LF (quotes doubled). */
function textCell(text: string): string {
  if (text === "") return "";
  const guarded = startsFormula(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(text) ? `"${guarded.replace(QUOTE, '""')}"` : guarded;
}

/** One value as csv-stringify casts it: null empty, numbers as JS prints them (never guarded: "-1" is no formula). */
function csvCell(value: CellValue): string {
  if (typeof value === "string") return textCell(value);
  if (typeof value === "number") return `${value}`;
  if (typeof value === "boolean") return value ? "true" : "false";
  return "";
}

export interface CsvLayout {
  header: string;
  withBodies: boolean;
}

function layout(columns: string[], withBodies: boolean): CsvLayout {
  return { header: stringify([], { ...CSV_OPTIONS, header: true, columns }), withBodies };
}

export const CSV_LAYOUT = layout(RECORD_COLUMNS, false);
export const CSV_LAYOUT_WITH_BODIES = layout([...RECORD_COLUMNS, ...BODY_COLUMNS], true);

/** The rows' lines, each ending in CRLF. */
export function csvLines(rows: readonly RequestDetailRow[], { withBodies }: CsvLayout): string {
  let text = "";
  for (const row of rows)
    text += withBodies ? `${recordLine(row)}${bodyCells(row)}\r\n` : `${recordLine(row)}\r\n`;
  return text;
}
