// Owns GET /api/events: the live Server-Sent Events stream (fan-out, replay and backpressure live in
// the event stream hub). Authentication is the central /api/* guard's, as for the dashboard API;
// `?logs=1` adds the balancer's log tail (LogLine events), for admins only.
import { Hono } from "hono";
import * as v from "valibot";
import { isAdminPrincipal } from "../auth/principal.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validQuery } from "../http/validate.js";

export const EventsQuery = v.object({ logs: v.optional(v.picklist(["0", "1"], "Expected 0 or 1"), "0") });

/** Only what these routes use. */
type EventsRoutesDeps = Pick<AppDeps, "eventStream">;

export function eventsRoutes(deps: EventsRoutesDeps): Hono {
  const app = new Hono();
  app.get("/api/events", (c) => {
    const logs = validQuery(c, EventsQuery).logs === "1";
    if (logs && !isAdminPrincipal(c.get("principal"))) {
      throw new AppError(
        "forbidden",
        "The log tail (logs=1) needs an admin account or an endpoints.manage key",
        {
          code: "insufficient_permissions",
        },
      );
    }
    const stream = deps.eventStream.connect(c.req.header("last-event-id"), { logs });
    return new Response(stream, {
      status: 200,
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        // Reverse proxies (nginx) must not buffer the stream.
        "x-accel-buffering": "no",
      },
    });
  });
  return app;
}
