// Owns the dashboard read API under /api/dashboard: overview, stats, endpoints, request timeline,
// model stats (all from memory) and the paged request history (from the database).
import { Hono } from "hono";
import { requestResponsesPage, requestResponsesQuery } from "../dashboard/request-responses.js";
import {
  dashboardEndpoints,
  dashboardModelStats,
  dashboardOverview,
  dashboardStats,
} from "../dashboard/views.js";
import { queryRequestResponses } from "../db/request-responses.js";
import type { AppDeps } from "../deps.js";
import { validQuery } from "../http/validate.js";
import { historyUnavailable } from "./request-log.js";

/** Only what these routes use. */
type DashboardRoutesDeps = Pick<
  AppDeps,
  "clock" | "database" | "stats" | "directory" | "tracker" | "liveLoad" | "circuits"
>;

export function dashboardRoutes(deps: DashboardRoutesDeps): Hono {
  const app = new Hono();

  app.get("/api/dashboard/overview", (c) => c.json(dashboardOverview(deps, deps.clock)));
  app.get("/api/dashboard/stats", (c) => c.json(dashboardStats(deps)));
  app.get("/api/dashboard/endpoints", (c) => c.json(dashboardEndpoints(deps)));
  app.get("/api/dashboard/request-history", (c) => c.json(deps.stats.history()));
  app.get("/api/dashboard/model-stats", (c) => c.json(dashboardModelStats(deps)));

  app.get("/api/dashboard/request-responses", async (c) => {
    const filter = validQuery(c, requestResponsesQuery);
    const result = await queryRequestResponses(deps.database.db, filter).catch(historyUnavailable);
    return c.json(requestResponsesPage(result.rows, result.totalCount, filter));
  });

  return app;
}
