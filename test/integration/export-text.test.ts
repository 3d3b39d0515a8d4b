// The export writes exactly what the record API and csv-stringify would: rows full of CSV and formula
// hazards (quotes, commas, CR/LF, =+-@ tab CR and their fullwidth forms, empty text, nulls) seeded into a
// real database, exported over HTTP as CSV and JSON, with and without bodies, and compared byte for byte
// with csv-stringify's output (the export's previous writer, same options, plus quoting of lone CR/LF) over
// the detail route's rows;
// csv-parse reads every cell back. Also pages through the export's reader against readRequestDetail.
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toRequestDetailJson, toRequestRecordJson } from "../../src/dashboard/request-detail.js";
import {
  type ExportCursor,
  type RequestDetailRow,
  readExportPage,
  readRequestDetail,
} from "../../src/db/request-responses.js";
import { apiKeys, requestHistory } from "../../src/db/schema.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await seed(app);
});
afterAll(() => app.close());

const T0 = Date.UTC(2026, 10, 30, 23, 59, 58, 7);
const HAZARDS = [
  "plain",
  "",
  "=1+1",
  "+cmd",
  "-2",
  "@SUM(A1)",
  "\tTAB",
  "\rCR first",
  "\uFF1Dfull",
  "\uFF0Bfull",
  "\uFF0Dfull",
  "\uFF20full",
  'say "hi"',
  "a,b",
  "line\nbreak",
  "crlf\r\nend",
  "ends with CR\r",
  '=HYPERLINK("x","y")',
  "ünïcødé → ✓",
];
const ROWS = 700; // crosses the first page (250) and the next, larger ones
const hazard = (i: number) => HAZARDS[i % HAZARDS.length] as string;

/** Rows in groups sharing one created_at (keyset ties) around a midnight, every text field a hazard. */
async function seed(target: TestApp) {
  const db = target.composition.deps.database.db;
  await db.insert(apiKeys).values([
    { id: "k1", name: '=evil,"key"', keyHash: "h1", keyPrefix: "p1", createdAt: T0 },
    { id: "k2", name: "@ops\nteam", keyHash: "h2", keyPrefix: "p2", createdAt: T0 },
  ]);
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    requestId: `req-${i}${hazard(i + 1)}`,
    createdAt: T0 + Math.floor(i / 7) * 333,
    endpointId: i % 5 === 0 ? null : hazard(i + 2),
    endpointName: i % 6 === 0 ? null : hazard(i + 3),
    model: hazard(i + 4),
    apiKind: "chat_completions",
    stream: i % 2 === 0,
    status: i % 4 === 0 ? "error" : "success",
    statusCode: i % 4 === 0 ? 502 : 200,
    error: i % 4 === 0 ? hazard(i + 5) : null,
    durationMs: i * 3,
    ttftMs: i % 3 === 0 ? null : i,
    inputTokens: i,
    outputTokens: 2 * i,
    tokensEstimated: i % 3 === 1,
    clientIp: i % 7 === 0 ? null : `10.0.0.${i % 250}`,
    apiKeyId: i % 3 === 0 ? null : i % 3 === 1 ? "k1" : "k2",
    requestBody: i % 8 === 0 ? null : `{"q":${JSON.stringify(hazard(i + 6))}}`,
    responseBody: i % 9 === 0 ? null : hazard(i + 7),
    requestBodyTruncated: i % 10 === 0,
    responseBodyTruncated: i % 11 === 0,
    attempts:
      i % 4 === 3
        ? null
        : JSON.stringify(
            Array.from({ length: i % 3 }, (_, n) => ({
              endpoint_id: `e${n}`,
              endpoint_name: hazard(i + n + 8),
              status_code: 200,
              error: null,
            })),
          ),
  }));
  await db.insert(requestHistory).values(rows);
}

/** Every row as the detail route reads it, newest first (the export's order). */
async function detailRows(): Promise<RequestDetailRow[]> {
  const db = app.composition.deps.database.db;
  const ids = await db.select({ id: requestHistory.id }).from(requestHistory);
  const rows = await Promise.all(ids.map(({ id }) => readRequestDetail(db, id)));
  return (rows as RequestDetailRow[]).sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
}

const CSV_COLUMNS = [
  ...["id", "request_id", "timestamp", "endpoint_id", "endpoint_name", "model", "api_kind", "stream"],
  ...["status", "status_code", "error", "duration_ms", "ttft_ms", "input_tokens", "output_tokens"],
  ...["total_tokens", "tokens_estimated", "client_ip", "api_key_id", "api_key_name", "attempts"],
];
const BODY_COLUMNS = ["request_body", "response_body", "request_body_truncated", "response_body_truncated"];

/**
 * csv-stringify over the JSON records, attempts as "a → b", with the export's options. quote_record_delimiter:
 * with record_delimiter "\r\n" csv-stringify 6.9 otherwise quotes only a whole CRLF, leaving a lone LF or CR
 * bare (a body or error with a newline broke its row in spreadsheets); the export quotes those too.
 */
function referenceCsv(rows: RequestDetailRow[], withBodies: boolean): string {
  const columns = withBodies ? [...CSV_COLUMNS, ...BODY_COLUMNS] : CSV_COLUMNS;
  const records = rows.map((row) => {
    const record = toRequestDetailJson(row) as unknown as Record<string, unknown>;
    const attempts = toRequestDetailJson(row).attempts.map((attempt) => attempt.endpoint_name);
    return columns.map((column) => (column === "attempts" ? attempts.join(" → ") : record[column]));
  });
  return stringify(records, {
    header: true,
    columns,
    record_delimiter: "\r\n",
    quote_record_delimiter: true,
    escape_formulas: true,
    cast: { boolean: (value) => (value ? "true" : "false") },
  });
}

async function download(query: string): Promise<string> {
  const response = await fetch(`${app.url}/api/dashboard/request-responses/export?${query}`, {
    headers: await app.adminHeaders(),
  });
  expect(response.status).toBe(200);
  return response.text();
}

describe("export text", () => {
  it("reads the same rows as the detail route, page by page across ties in created_at", async () => {
    const db = app.composition.deps.database.db;
    const expected = await detailRows();
    for (const withBodies of [false, true]) {
      const seen: RequestDetailRow[] = [];
      let cursor: ExportCursor | null = null;
      for (const limit of [1, 6, 250, 500, 1000]) {
        const page = await readExportPage(db, {}, cursor, limit, withBodies);
        seen.push(...page);
        const last = page[page.length - 1];
        if (last) cursor = { createdAt: last.createdAt, id: last.id };
      }
      const bodiesOff = { requestBody: null, responseBody: null };
      expect(seen).toEqual(expected.map((row) => (withBodies ? row : { ...row, ...bodiesOff })));
    }
  });

  it("CSV is csv-stringify's text byte for byte, with and without bodies, and parses back", async () => {
    const rows = await detailRows();
    for (const withBodies of [false, true]) {
      const text = await download(`format=csv&include_bodies=${withBodies ? 1 : 0}`);
      const reference = referenceCsv(rows, withBodies);
      expect(text).toBe(reference);
      const parsed = parse(text, { columns: true }) as Record<string, string>[];
      expect(parsed).toHaveLength(ROWS);
      const guarded = (cell: string) =>
        /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(cell) ? `'${cell}` : cell;
      for (const [i, row] of rows.entries()) {
        expect(parsed[i]?.model).toBe(guarded(row.model));
        expect(parsed[i]?.api_key_name).toBe(guarded(row.apiKeyName ?? ""));
        if (withBodies) expect(parsed[i]?.response_body).toBe(guarded(row.responseBody ?? ""));
      }
    }
    // The hazards reached the file: quoted, doubled quotes, guarded formulas.
    const text = await download("format=csv");
    expect(text).toContain('"\'=evil,""key"""');
    expect(text).toContain(",'\uFF20full,");
  });

  it("JSON is the records the API serves, with and without bodies", async () => {
    const rows = await detailRows();
    const plain = await download("format=json");
    expect(plain).toBe(`[\n${rows.map((row) => JSON.stringify(toRequestRecordJson(row))).join(",\n")}\n]\n`);
    const bodies = await download("format=json&include_bodies=1");
    expect(bodies).toBe(`[\n${rows.map((row) => JSON.stringify(toRequestDetailJson(row))).join(",\n")}\n]\n`);
  });
});
