// Bench section 8: the request log at scale. Fills request_history with 1,000,000 rows (and the token /
// client aggregates the recorder would have written for them), then reports p95 latency of the list page,
// one record's detail, the export's first MiB, daily tokens and the client ranking, and llmlb's RSS while
// streaming a 64 MiB export (flat memory: no growth with the size of the download).
import { createClient } from "@libsql/client";
import { rssMiB } from "./processes.js";
import { percentile } from "./stats.js";
import type { Llmlb } from "./targets.js";

export const REQUEST_LOG_ROWS = 1_000_000;
const SAMPLES = 40;
const MIB = 1024 * 1024;

async function fill(dbFile: string, rows: number): Promise<void> {
  const db = createClient({ url: `file:${dbFile}` });
  const now = Date.now();
  // Spread over the last 7 days; 5 models, 250 client addresses, 20 keys, one endpoint.
  await db.execute(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO request_history (request_id, created_at, endpoint_id, endpoint_name, model, api_kind, status,
      status_code, duration_ms, ttft_ms, input_tokens, output_tokens, client_ip, api_key_id)
    SELECT 'bench-' || i, ${now} - (i * 604800000 / ${rows}), 'e1', 'gpu-1', 'model-' || (i % 5),
      'chat_completions', CASE WHEN i % 50 = 0 THEN 'error' ELSE 'success' END,
      CASE WHEN i % 50 = 0 THEN 502 ELSE 200 END, 100 + i % 400, 20 + i % 30, 10 + i % 90, 20 + i % 200,
      '10.0.' || (i % 5) || '.' || (i % 50), 'key-' || (i % 20)
    FROM n`);
  await db.execute(`
    INSERT INTO token_daily_stats (date, endpoint_id, model, api_key_id, requests, input_tokens, output_tokens)
    SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch'), endpoint_id, model, api_key_id, count(*),
      sum(input_tokens), sum(output_tokens)
    FROM request_history WHERE request_id LIKE 'bench-%' GROUP BY 1, 2, 3, 4
    ON CONFLICT DO UPDATE SET requests = requests + excluded.requests,
      input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens`);
  await db.execute(`
    INSERT INTO client_hourly_stats (hour, client_ip, api_key_id, requests, errors, input_tokens, output_tokens, last_seen)
    SELECT (created_at / 3600000) * 3600000, client_ip, api_key_id, count(*),
      sum(status = 'error'), sum(input_tokens), sum(output_tokens), max(created_at)
    FROM request_history WHERE request_id LIKE 'bench-%' GROUP BY 1, 2, 3
    ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors,
      input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
      last_seen = max(last_seen, excluded.last_seen)`);
  db.close();
}

async function timed(samples: number, run: (i: number) => Promise<void>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await run(i);
    ms.push(performance.now() - start);
  }
  return percentile(ms, 95);
}

/** Reads an export until `bytes` have arrived, then cancels it; samples llmlb's RSS every MiB. */
async function readExport(instance: Llmlb, query: string, bytes: number, rss?: number[]): Promise<void> {
  const response = await fetch(`${instance.url}/api/dashboard/request-responses/export?${query}`, {
    headers: instance.adminHeaders,
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let seen = 0;
  let nextSample = 0;
  while (seen < bytes) {
    const chunk = await reader.read();
    if (chunk.done) break;
    seen += chunk.value.length;
    if (rss && seen >= nextSample) {
      rss.push(rssMiB(instance.process.pid));
      nextSample += 4 * MIB;
    }
  }
  await reader.cancel();
}

export async function runRequestLogBench(instance: Llmlb, log: (line: string) => void): Promise<string[]> {
  const started = performance.now();
  await fill(`${instance.dataDir}/llmlb.db`, REQUEST_LOG_ROWS);
  log(
    `  filled ${REQUEST_LOG_ROWS.toLocaleString()} rows in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  const get = async (path: string) => {
    const response = await fetch(`${instance.url}${path}`, { headers: instance.adminHeaders });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    await response.arrayBuffer();
  };
  const figures: [string, number][] = [
    ["list page (25, newest)", await timed(SAMPLES, () => get("/api/dashboard/request-responses"))],
    [
      "list page filtered by model, page 100",
      await timed(SAMPLES, () => get("/api/dashboard/request-responses?model=model-3&page=100")),
    ],
    [
      "detail",
      await timed(SAMPLES, (i) =>
        get(`/api/dashboard/request-responses/${1 + ((i * 24_989) % REQUEST_LOG_ROWS)}`),
      ),
    ],
    ["export, first MiB (CSV)", await timed(SAMPLES / 4, () => readExport(instance, "format=csv", MIB))],
    ["export, first MiB (JSON)", await timed(SAMPLES / 4, () => readExport(instance, "format=json", MIB))],
    ["daily tokens (30 days)", await timed(SAMPLES, () => get("/api/dashboard/stats/tokens/daily?days=30"))],
    ["client ranking (7 days)", await timed(SAMPLES, () => get("/api/dashboard/clients?days=7"))],
  ];
  const rss: number[] = [];
  await readExport(instance, "format=json", 64 * MIB, rss);
  const lines = figures.map(
    ([name, p95]) =>
      `request log (${REQUEST_LOG_ROWS.toLocaleString()} rows): ${name} p95 ${p95.toFixed(1)} ms`,
  );
  lines.push(
    `request log: llmlb RSS while streaming a 64 MiB export: ${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)} MiB (${rss.length} samples)`,
  );
  for (const line of lines) log(`  ${line}`);
  return lines;
}
