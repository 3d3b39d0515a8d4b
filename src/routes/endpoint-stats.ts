// Owns the per-endpoint statistics API: live TPS per model, and daily / per-model / today's totals.
import { Hono } from "hono";
import * as v from "valibot";
import { readAllDailyStats, readDailyStats } from "../db/stats-reads.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validParams, validQuery } from "../http/validate.js";
import { endpointNotFound } from "../registry/registry.js";
import { mergeDailyRows, modelTpsOf, oneDay, perDay, perModel } from "../stats/daily-report.js";
import { utcDate } from "../stats/pending-writes.js";
import type { DailyStatsRow } from "../stats/types.js";

/** Only what these routes use. */
type EndpointStatsDeps = Pick<AppDeps, "clock" | "database" | "directory" | "stats" | "tracker">;

const DAY_MS = 86_400_000;

const EndpointParams = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)) });

export const DaysQuery = v.object({
  days: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, "days must be a whole number from 1 to 365"),
      v.transform(Number),
      v.minValue(1, "days must be from 1 to 365"),
      v.maxValue(365, "days must be from 1 to 365"),
    ),
    "7",
  ),
});

function requireEndpoint(deps: EndpointStatsDeps, id: string): void {
  if (!deps.directory.get(id)) throw endpointNotFound(id);
}

/** Database rows plus this instance's not yet written ones; 503 when the database cannot be read. */
async function dailyRows(deps: EndpointStatsDeps, id: string, read: () => Promise<DailyStatsRow[]>) {
  try {
    return mergeDailyRows(await read(), deps.stats.pendingDaily(id));
  } catch (error) {
    throw new AppError("unavailable", "Daily statistics are unavailable: the database cannot be read", {
      code: "database_unavailable",
      retryAfterSecs: 10,
      cause: error,
    });
  }
}

export function endpointStatsRoutes(deps: EndpointStatsDeps): Hono {
  const app = new Hono();

  app.get("/:id/model-tps", async (c) => {
    const { id } = validParams(c, EndpointParams);
    requireEndpoint(deps, id);
    const { tracker } = deps;
    return c.json(
      tracker.entries(id).map((entry) => modelTpsOf(entry, tracker.loadOf(id, entry.model, entry.apiKind))),
    );
  });

  app.get("/:id/daily-stats", async (c) => {
    const { id } = validParams(c, EndpointParams);
    const { days } = validQuery(c, DaysQuery);
    requireEndpoint(deps, id);
    const from = utcDate(deps.clock.now() - (days - 1) * DAY_MS);
    const rows = await dailyRows(deps, id, () => readDailyStats(deps.database.db, from, id));
    return c.json(perDay(rows.filter((row) => row.date >= from)));
  });

  app.get("/:id/model-stats", async (c) => {
    const { id } = validParams(c, EndpointParams);
    requireEndpoint(deps, id);
    return c.json(perModel(await dailyRows(deps, id, () => readAllDailyStats(deps.database.db, id))));
  });

  app.get("/:id/today-stats", async (c) => {
    const { id } = validParams(c, EndpointParams);
    requireEndpoint(deps, id);
    const today = utcDate(deps.clock.now());
    const rows = await dailyRows(deps, id, () => readDailyStats(deps.database.db, today, id));
    return c.json(oneDay(rows, today));
  });

  return app;
}
