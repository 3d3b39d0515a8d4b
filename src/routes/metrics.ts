// Owns GET /metrics: the Prometheus text exposition (access: a key with metrics.read, or public with
// LLMLB_METRICS_PUBLIC=1 — decided by the central access table).
import { Hono } from "hono";
import type { AppDeps } from "../deps.js";
import { metricsFamilies } from "../metrics/exposition.js";
import { EXPOSITION_CONTENT_TYPE, renderExposition } from "../metrics/prom-text.js";

/** Only what these routes use. */
type MetricsRoutesDeps = Pick<
  AppDeps,
  "circuits" | "directory" | "eventStream" | "liveLoad" | "requestMetrics" | "tracker"
>;

export function metricsRoutes(deps: MetricsRoutesDeps): Hono {
  const app = new Hono();
  app.get("/metrics", (c) => {
    const text = renderExposition(
      metricsFamilies(deps.requestMetrics, {
        endpoints: () => deps.directory.list(),
        inFlight: (id) => deps.liveLoad.inFlight(id),
        queued: () => deps.liveLoad.queued(),
        circuitState: (id) => deps.circuits.circuitState(id),
        tps: () => deps.tracker.entries(),
        eventStream: () => deps.eventStream.stats(),
      }),
    );
    return c.body(text, 200, { "content-type": EXPOSITION_CONTENT_TYPE });
  });
  return app;
}
