// Owns GET /api/events: the live Server-Sent Events stream (fan-out, replay and backpressure live in
// the event stream hub). Authentication is the central /api/* guard's, as for the dashboard API.
import { Hono } from "hono";
import type { AppDeps } from "../deps.js";

/** Only what these routes use. */
type EventsRoutesDeps = Pick<AppDeps, "eventStream">;

export function eventsRoutes(deps: EventsRoutesDeps): Hono {
  const app = new Hono();
  app.get("/api/events", (c) => {
    const stream = deps.eventStream.connect(c.req.header("last-event-id"));
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
