// Owns GET /api/events: the live Server-Sent Events stream (fan-out, replay and backpressure live in
// the event stream hub). Authentication is the central /api/* guard's, as for the dashboard API;
// admin-only events (LogLine) go to admin callers only.
import { Hono } from "hono";
import { isAdminPrincipal } from "../auth/principal.js";
import type { AppDeps } from "../deps.js";

export function eventsRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/api/events", (c) => {
    const audience = isAdminPrincipal(c.get("principal")) ? "admin" : "viewer";
    const stream = deps.eventStream.connect(c.req.header("last-event-id"), audience);
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
