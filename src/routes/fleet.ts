// Owns GET /api/dashboard/fleet: fleet-wide persisted totals (read from the shared database, every instance's
// flushed requests) beside this instance's live in-memory figures, each labelled with where it comes from.
import { Hono } from "hono";
import { readDailyStats, readEndpointCounters } from "../db/stats-reads.js";
import type { AppDeps } from "../deps.js";
import { type CountersJson, countersJson } from "../stats/counters-json.js";
import { type DayStats, oneDay } from "../stats/daily-report.js";
import { addCounters, utcDate, zeroCounters } from "../stats/pending-writes.js";

/** Only what these routes use. */
type FleetRoutesDeps = Pick<AppDeps, "clock" | "database" | "instanceId" | "logger" | "stats">;

/** The fleet's persisted totals, or `available: false` (never an error) when the database can't be read. */
export type FleetTotalsJson =
  | {
      source: "database";
      available: true;
      totals: CountersJson;
      today: DayStats;
      endpoints: (CountersJson & { endpoint_id: string })[];
    }
  | { source: "database"; available: false; totals: null; today: null; endpoints: [] };

/** GET /api/dashboard/fleet. */
export interface FleetJson {
  fleet: FleetTotalsJson;
  instance: {
    source: "memory";
    instance_id: string;
    served_since_start: CountersJson;
    totals: CountersJson;
  };
}

/** What the database holds for the whole fleet; `available: false` (never an error) when it can't be read. */
async function persistedTotals(deps: FleetRoutesDeps): Promise<FleetTotalsJson> {
  const today = utcDate(deps.clock.now());
  try {
    // One batch is one read transaction: with two separate reads, another instance's flush committing
    // between them showed totals that already counted requests today's figures did not (a shared sqld).
    const db = deps.database.db;
    const [counters, daily] = await db.batch([readEndpointCounters(db), readDailyStats(db, today)]);
    return {
      source: "database" as const,
      available: true,
      totals: countersJson(counters.reduce(addCounters, zeroCounters())),
      today: oneDay(daily, today),
      endpoints: counters.map((row) => ({ endpoint_id: row.id, ...countersJson(row) })),
    };
  } catch (error) {
    deps.logger.warn("fleet totals unavailable: the database cannot be read", { error });
    return { source: "database" as const, available: false, totals: null, today: null, endpoints: [] };
  }
}

export function fleetRoutes(deps: FleetRoutesDeps): Hono {
  const app = new Hono();
  app.get("/api/dashboard/fleet", async (c) =>
    c.json<FleetJson>({
      // Every instance's requests once flushed (the recorder writes at most ~1 s after a request; on
      // Workers at the next cron tick or waitUntil flush).
      fleet: await persistedTotals(deps),
      instance: {
        source: "memory" as const,
        instance_id: deps.instanceId,
        // Only this instance's own requests since it started.
        served_since_start: countersJson(deps.stats.servedSinceStart()),
        // The live counters endpoint JSON shows: the database as of this instance's last write plus its
        // requests not written yet (other instances' requests appear after this instance's next flush).
        totals: countersJson(deps.stats.totals()),
      },
    }),
  );
  return app;
}
