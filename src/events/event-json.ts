// Owns the wire form of bus events (what the SSE `data:` line carries): instants become ISO-8601 UTC.
import { isoTime } from "../http/wire-time.js";
import type { AppEvent, EventJsonPayloads } from "./types.js";

/** The JSON payload of one event as /api/events sends it. */
export function eventJson(event: AppEvent): EventJsonPayloads[AppEvent["type"]] {
  if (event.type !== "RequestCompleted") return event.data;
  return { ...event.data, finished_at: isoTime(event.data.finished_at) };
}
