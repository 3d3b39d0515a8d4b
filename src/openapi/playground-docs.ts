// Owns the OpenAPI rows and response schemas of the playground, benchmark and log-tail routes (spread into
// ROUTE_DOCS), each response schema tied at compile time to the type its builder returns.
import * as v from "valibot";
import type { BenchmarkRunJson, BenchmarkRunsJson } from "../benchmarks/figures.js";
import { ProxyBodySchema } from "../proxy/proxy-request.js";
import { BenchmarkBody } from "../routes/benchmarks.js";
import { type LbLogsJson, LogsQuery } from "../routes/logs.js";
import { json, type RouteDoc, sse } from "./doc-helpers.js";
import { ChatCompletion } from "./response-schemas.js";

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const nullableNum = v.nullable(v.number());
const isoTime = v.pipe(v.string(), v.isoTimestamp());

const BenchmarkRun = v.strictObject({
  run_id: v.string(),
  status: v.picklist(["running", "completed", "cancelled", "failed"]),
  progress: v.strictObject({ done: count, total: count }),
  results: v.array(
    v.strictObject({
      endpoint_id: v.string(),
      endpoint_name: v.string(),
      requests: count,
      errors: count,
      ttft_ms_p50: nullableNum,
      ttft_ms_p95: nullableNum,
      decode_tps: nullableNum,
      tps: nullableNum,
      output_tokens: count,
    }),
  ),
  params: v.strictObject({
    endpoint_ids: v.array(v.string()),
    model: v.string(),
    requests: count,
    concurrency: count,
    max_tokens: count,
    prompt: v.string(),
    stream: v.boolean(),
  }),
  error: v.nullable(v.string()),
  created_at: isoTime,
  finished_at: v.nullable(isoTime),
});
const BenchmarkRuns = v.strictObject({ runs: v.array(BenchmarkRun) });
const BenchmarkStarted = v.strictObject({ run_id: v.string() });
const LbLogs = v.strictObject({
  logs: v.array(
    v.looseObject({
      time: isoTime,
      level: v.picklist(["debug", "info", "warn", "error"]),
      msg: v.string(),
    }),
  ),
  capacity: count,
});

/** Compile-time proof that what a builder returns is what the schema documents. */
type Conforms<Actual extends Documented, Documented> = [Actual, Documented];
export type PlaygroundSchemaChecks = [
  Conforms<BenchmarkRunJson, v.InferOutput<typeof BenchmarkRun>>,
  Conforms<BenchmarkRunsJson, v.InferOutput<typeof BenchmarkRuns>>,
  Conforms<LbLogsJson, v.InferOutput<typeof LbLogs>>,
];

export const PLAYGROUND_DOCS: Record<string, RouteDoc> = {
  "POST /api/endpoints/:id/chat/completions": {
    tag: "Playground",
    summary: "Chat completion sent to this endpoint only (no routing, no failover), recorded as playground",
    body: ProxyBodySchema,
    responses: {
      200: json(
        ChatCompletion,
        sse("With `stream: true`: the upstream's Server-Sent Events, chunk by chunk"),
      ),
    },
  },
  "POST /api/benchmarks/tps": {
    tag: "Benchmarks",
    summary: "Start a TPS benchmark run (requests and concurrency per endpoint); one run at a time",
    body: BenchmarkBody,
    responses: { 202: json(BenchmarkStarted) },
  },
  "GET /api/benchmarks/tps": {
    tag: "Benchmarks",
    summary: "The kept benchmark runs (the newest 50), newest first",
    responses: { 200: json(BenchmarkRuns) },
  },
  "GET /api/benchmarks/tps/:run_id": {
    tag: "Benchmarks",
    summary: "One run: status, progress and per-endpoint figures so far",
    responses: { 200: json(BenchmarkRun) },
  },
  "DELETE /api/benchmarks/tps/:run_id": {
    tag: "Benchmarks",
    summary: "Cancel a running run (requests in flight are aborted); answers the run",
    responses: { 200: json(BenchmarkRun) },
  },
  "GET /api/dashboard/logs/lb": {
    tag: "Dashboard",
    summary: "The balancer's recent log lines (admins), oldest first, at or above `level`",
    query: LogsQuery,
    responses: { 200: json(LbLogs) },
  },
};
