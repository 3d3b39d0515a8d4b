// Owns GET /api/dashboard/logs/lb: the newest lines of the in-memory log ring (admins only, by the
// access table), filtered by minimum level.
import { Hono } from "hono";
import * as v from "valibot";
import { LOG_LEVELS } from "../config.js";
import type { AppDeps } from "../deps.js";
import type { LogLineJson } from "../events/types.js";
import { validQuery } from "../http/validate.js";

export const LogsQuery = v.object({
  /** Minimum level: `warn` returns warn and error lines. */
  level: v.optional(v.picklist(LOG_LEVELS, `Expected one of ${LOG_LEVELS.join(", ")}`), "debug"),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,6}$/, "Expected an integer from 1 to 100000"),
      v.transform(Number),
      v.minValue(1, "Expected an integer from 1 to 100000"),
      v.maxValue(100_000, "Expected an integer from 1 to 100000"),
    ),
    "500",
  ),
});

/** GET /api/dashboard/logs/lb: oldest first, at most `limit` lines. */
export interface LbLogsJson {
  logs: LogLineJson[];
  /** Lines the ring holds at most (LLMLB_LOG_BUFFER_LINES). */
  capacity: number;
}

export function logRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/api/dashboard/logs/lb", (c) => {
    const query = validQuery(c, LogsQuery);
    const body: LbLogsJson = {
      logs: deps.logRing.recent(query.level, query.limit),
      capacity: deps.config.logBufferLines,
    };
    return c.json(body);
  });
  return app;
}
