// Owns /api/benchmarks/tps: start a TPS benchmark run (202 {run_id}), read one, list the kept runs,
// cancel one. Writes need an admin session or an endpoints.manage key (access table).
import { Hono } from "hono";
import * as v from "valibot";
import type { BenchmarkParams, BenchmarkRunJson, BenchmarkRunsJson } from "../benchmarks/figures.js";
import type { AppDeps } from "../deps.js";
import { validBody, validParams } from "../http/validate.js";

const DEFAULT_PROMPT = "Write a detailed story about a lighthouse keeper who finds a message in a bottle.";

const integer = (min: number, max: number) =>
  v.pipe(
    v.number(),
    v.integer(),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

export const BenchmarkBody = v.object({
  endpoint_ids: v.pipe(
    v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
    v.minLength(1, "must name at least one endpoint"),
    v.maxLength(16, "must name at most 16 endpoints"),
    v.check((ids) => new Set(ids).size === ids.length, "must not repeat an endpoint"),
  ),
  model: v.pipe(v.string(), v.trim(), v.minLength(1, "model is required"), v.maxLength(512)),
  requests: integer(1, 1000),
  concurrency: integer(1, 64),
  max_tokens: integer(1, 32_768),
  prompt: v.optional(
    v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(32_768)),
    DEFAULT_PROMPT,
  ),
  stream: v.optional(v.boolean(), true),
});

/** What POST /api/benchmarks/tps accepts (optional fields may be left out). */
export type BenchmarkStart = v.InferInput<typeof BenchmarkBody>;

const RunParams = v.object({ run_id: v.pipe(v.string(), v.minLength(1), v.maxLength(100)) });

export function benchmarkRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.post("/api/benchmarks/tps", async (c) => {
    const params: BenchmarkParams = await validBody(c, BenchmarkBody);
    const runId = await deps.benchmarks.start(params);
    return c.json({ run_id: runId }, 202);
  });
  app.get("/api/benchmarks/tps", async (c) => {
    const body: BenchmarkRunsJson = { runs: await deps.benchmarks.list() };
    return c.json(body);
  });
  app.get("/api/benchmarks/tps/:run_id", async (c) => {
    const body: BenchmarkRunJson = await deps.benchmarks.get(validParams(c, RunParams).run_id);
    return c.json(body);
  });
  app.delete("/api/benchmarks/tps/:run_id", async (c) => {
    const body: BenchmarkRunJson = await deps.benchmarks.cancel(validParams(c, RunParams).run_id);
    return c.json(body);
  });
  return app;
}
