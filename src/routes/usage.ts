// Owns the usage reads: token statistics (totals, daily, monthly) and the client views (ranking, timeline,
// heatmap, one address's detail). All from the database's aggregates, as of the recorder's last flush.
import { Hono } from "hono";
import {
  clientDetailJson,
  clientDetailQuery,
  clientHeatmapQuery,
  clientIpParams,
  clientsJson,
  clientsQuery,
  clientTimelineJson,
  heatmapJson,
  timelineQuery,
} from "../dashboard/client-stats.js";
import {
  dailyTokensJson,
  dailyTokensQuery,
  monthlyTokensJson,
  monthlyTokensQuery,
  rangeStart,
  tokenTotalsJson,
} from "../dashboard/token-stats.js";
import {
  HOUR_MS,
  hourStart,
  readClientDetail,
  readClientHours,
  readClientRanking,
  readWeekdayHours,
} from "../db/client-stats.js";
import { readTokenSeries, readTokenTotals } from "../db/token-stats.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validParams, validQuery } from "../http/validate.js";
import { historyUnavailable } from "./request-log.js";

type UsageDeps = Pick<AppDeps, "database" | "clock">;

const DAY_MS = 86_400_000;
const RECENT_REQUESTS = 20;

export function usageRoutes(deps: UsageDeps): Hono {
  const app = new Hono();
  const db = () => deps.database.db;
  const now = () => deps.clock.now();

  app.get("/api/dashboard/stats/tokens", async (c) =>
    c.json(tokenTotalsJson(await readTokenTotals(db()).catch(historyUnavailable))),
  );

  app.get("/api/dashboard/stats/tokens/daily", async (c) => {
    const query = validQuery(c, dailyTokensQuery);
    const fromDate = rangeStart("day", query.days, now());
    const rows = await readTokenSeries(db(), { unit: "day", fromDate, groupBy: query.group_by }).catch(
      historyUnavailable,
    );
    return c.json(dailyTokensJson(rows, query.days, now(), query.group_by));
  });

  app.get("/api/dashboard/stats/tokens/monthly", async (c) => {
    const query = validQuery(c, monthlyTokensQuery);
    const fromDate = rangeStart("month", query.months, now());
    const rows = await readTokenSeries(db(), { unit: "month", fromDate, groupBy: query.group_by }).catch(
      historyUnavailable,
    );
    return c.json(monthlyTokensJson(rows, query.months, now(), query.group_by));
  });

  app.get("/api/dashboard/clients", async (c) => {
    const query = validQuery(c, clientsQuery);
    const since = now() - query.days * DAY_MS;
    const rows = await readClientRanking(db(), { since, groupBy: query.group_by, limit: query.limit }).catch(
      historyUnavailable,
    );
    return c.json(clientsJson(rows, query.group_by));
  });

  app.get("/api/dashboard/clients/timeline", async (c) => {
    const query = validQuery(c, timelineQuery);
    const hourCount = query.days * 24;
    const firstHour = hourStart(now()) - (hourCount - 1) * HOUR_MS;
    const top = await readClientRanking(db(), { since: firstHour, groupBy: "ip", limit: query.top }).catch(
      historyUnavailable,
    );
    const ips = top.map((row) => row.id);
    const rows = await readClientHours(db(), firstHour, ips).catch(historyUnavailable);
    return c.json(clientTimelineJson(firstHour, hourCount, ips, rows));
  });

  app.get("/api/dashboard/clients/heatmap", async (c) => {
    const query = validQuery(c, clientHeatmapQuery);
    const rows = await readWeekdayHours(db(), now() - query.days * DAY_MS).catch(historyUnavailable);
    return c.json(heatmapJson(rows));
  });

  app.get("/api/dashboard/clients/:ip/detail", async (c) => {
    const { ip } = validParams(c, clientIpParams);
    const query = validQuery(c, clientDetailQuery);
    const since = now() - query.days * DAY_MS;
    const [totals] = await readClientRanking(db(), { since, groupBy: "ip", limit: 1, clientIp: ip }).catch(
      historyUnavailable,
    );
    if (!totals) {
      throw new AppError("not_found", `No requests from ${ip} in the last ${query.days} days`, {
        code: "client_not_found",
        param: "ip",
      });
    }
    const rows = await readClientDetail(db(), ip, since, RECENT_REQUESTS).catch(historyUnavailable);
    return c.json(clientDetailJson(totals, rows));
  });

  return app;
}
