// Owns the request log's reads beyond the list: one record with its bodies and attempts, and the CSV/JSON
// export (streamed page by page from the database).
import { Hono } from "hono";
import { requestIdParams, toRequestDetailJson } from "../dashboard/request-detail.js";
import { exportFileName, exportQuery, exportStream } from "../dashboard/request-export.js";
import { readExportPage, readRequestDetail } from "../db/request-responses.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validParams, validQuery } from "../http/validate.js";

type RequestLogDeps = Pick<AppDeps, "database" | "clock">;

/** A database that does not answer is a 503 naming what is unavailable. */
export function historyUnavailable(error: unknown): never {
  throw new AppError("unavailable", "Request history is unavailable: the database did not answer", {
    code: "database_unavailable",
    cause: error,
  });
}

export function requestLogRoutes(deps: RequestLogDeps): Hono {
  const app = new Hono();

  // Before /:id, which would otherwise take "export" as an id.
  app.get("/api/dashboard/request-responses/export", async (c) => {
    const options = validQuery(c, exportQuery);
    const db = deps.database.db;
    const body = await exportStream(
      (cursor, limit) => readExportPage(db, options.selection, cursor, limit, options.includeBodies),
      options,
    ).catch(historyUnavailable);
    const type = options.format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
    return c.body(body, 200, {
      "content-type": type,
      "content-disposition": `attachment; filename="${exportFileName(options.format, deps.clock.now())}"`,
      "cache-control": "no-store",
    });
  });

  app.get("/api/dashboard/request-responses/:id", async (c) => {
    const { id } = validParams(c, requestIdParams);
    const row = await readRequestDetail(deps.database.db, id).catch(historyUnavailable);
    if (!row) {
      throw new AppError("not_found", `No request record with id ${id}`, {
        code: "request_not_found",
        param: "id",
      });
    }
    return c.json(toRequestDetailJson(row));
  });

  return app;
}
