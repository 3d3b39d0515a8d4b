// Owns liveness (/health: the process runs) and readiness (/ready: the database answers and is migrated).
import { Hono } from "hono";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";

/** Only what these routes use. */
type HealthRoutesDeps = Pick<AppDeps, "database">;

export function healthRoutes(deps: HealthRoutesDeps): Hono {
  const app = new Hono();
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    const readiness = await deps.database.readiness();
    if (!readiness.ready) {
      throw new AppError("unavailable", readiness.reason, { code: "database_unavailable" });
    }
    return c.json({ status: "ready" });
  });
  return app;
}
