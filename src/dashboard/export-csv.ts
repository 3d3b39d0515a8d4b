// Owns the CSV export's text: the header (csv-stringify's) and one RFC 4180 line per row, built straight
// from the row. Byte for byte what csv-stringify writes with CSV_OPTIONS (CRLF; cells holding " , CR or LF
// quoted; formula starts prefixed with '; booleans true/false) — test/integration/export-text.test.ts checks
// it against csv-stringify and csv-parse — without its per-cell cast machinery, most of an export's CPU.
import { stringify } from "csv-stringify/sync";
import type { RequestDetailRow } from "../db/request-responses.js";
import { isoTime } from "../http/wire-time.js";
import { attemptsOf } from "./request-detail.js";

type CellValue = string | number | boolean | null;
type Cell = (row: RequestDetailRow) => CellValue;

/** Column name → its value, in file order (the JSON record's names and values). */
const RECORD_CELLS: readonly (readonly [string, Cell])[] = [
  ["id", (row) => row.id],
  ["request_id", (row) => row.requestId],
  ["timestamp", (row) => isoTime(row.createdAt)],
  ["endpoint_id", (row) => row.endpointId],
  ["endpoint_name", (row) => row.endpointName],
  ["model", (row) => row.model],
  ["api_kind", (row) => row.apiKind],
  ["stream", (row) => row.stream],
  ["status", (row) => row.status],
  ["status_code", (row) => row.statusCode],
  ["error", (row) => row.error],
  ["duration_ms", (row) => row.durationMs],
  ["ttft_ms", (row) => row.ttftMs],
  ["input_tokens", (row) => row.inputTokens],
  ["output_tokens", (row) => row.outputTokens],
  ["total_tokens", (row) => row.inputTokens + row.outputTokens],
  ["tokens_estimated", (row) => row.tokensEstimated],
  ["client_ip", (row) => row.clientIp],
  ["api_key_id", (row) => row.apiKeyId],
  ["api_key_name", (row) => row.apiKeyName],
  // Attempts as "name → name" in one cell: readable in a spreadsheet.
  [
    "attempts",
    (row) =>
      attemptsOf(row.attempts)
        .map((attempt) => attempt.endpoint_name)
        .join(" → "),
  ],
];
const BODY_CELLS: readonly (readonly [string, Cell])[] = [
  ["request_body", (row) => row.requestBody],
  ["response_body", (row) => row.responseBody],
  ["request_body_truncated", (row) => row.requestBodyTruncated],
  ["response_body_truncated", (row) => row.responseBodyTruncated],
];

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
  cells: readonly Cell[];
}

function layout(cells: readonly (readonly [string, Cell])[]): CsvLayout {
  const columns = cells.map(([name]) => name);
  return {
    header: stringify([], { ...CSV_OPTIONS, header: true, columns }),
    cells: cells.map(([, cell]) => cell),
  };
}

export const CSV_LAYOUT = layout(RECORD_CELLS);
export const CSV_LAYOUT_WITH_BODIES = layout([...RECORD_CELLS, ...BODY_CELLS]);

/** The rows' lines, each ending in CRLF. */
export function csvLines(rows: readonly RequestDetailRow[], { cells }: CsvLayout): string {
  let text = "";
  for (const row of rows) {
    for (let i = 0; i < cells.length; i++) {
      if (i > 0) text += ",";
      text += csvCell((cells[i] as Cell)(row));
    }
    text += "\r\n";
  }
  return text;
}
