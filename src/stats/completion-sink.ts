// Owns what happens to a finished request at once (no I/O on the caller's path): the stats state, the TPS
// tracker, the RequestCompleted/TpsUpdated events, and the bodies kept for request_history when
// LLMLB_LOG_BODIES=1 (each capped at MAX_BODY_CHARS).
import type { TpsEntry, TpsTracker } from "../balancer/tps-tracker.js";
import type { EventBus } from "../events/bus.js";
import type { CompletionRecord } from "../events/types.js";
import type { Logger } from "../logger.js";
import { modelLoadOf } from "./model-load.js";
import type { StatsState } from "./stats-state.js";
import type { CompletionSink, RecordedBodies } from "./types.js";

/** Stored body size bound (characters) when bodies are logged. */
export const MAX_BODY_CHARS = 64 * 1024;

const capped = (body: string | null) =>
  body !== null && body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body;

function publish(
  events: EventBus,
  completion: CompletionRecord,
  entry: TpsEntry | undefined,
  tracker: TpsTracker,
): void {
  events.publish({ type: "RequestCompleted", data: completion });
  // Only a request the tracker took (a success on an endpoint) changes the speed figures.
  if (!entry) return;
  events.publish({
    type: "TpsUpdated",
    data: {
      endpoint_id: entry.endpointId,
      model_id: entry.model,
      api_kind: entry.apiKind,
      tps: entry.tps,
      output_tokens: completion.output_tokens,
      duration_ms: completion.duration_ms,
      request_count: entry.requestCount,
      total_output_tokens: entry.totalOutputTokens,
      average_duration_ms: entry.requestCount > 0 ? entry.totalDurationMs / entry.requestCount : null,
      ttft_ms: entry.ttftMs,
      decode_tps: entry.decodeTps,
      load: modelLoadOf(tracker.loadOf(entry.endpointId, entry.model, entry.apiKind)),
    },
  });
}

export function createCompletionSink(options: {
  state: StatsState;
  tracker: TpsTracker;
  events: EventBus;
  logger: Logger;
  /** LLMLB_LOG_BODIES: bodies reach request_history only when set. */
  logBodies: boolean;
  now: () => number;
}): CompletionSink {
  const { state, tracker, events, logBodies } = options;
  const log = options.logger.child({ component: "recorder" });
  return {
    logsBodies: logBodies,
    record(completion, bodies?: RecordedBodies) {
      try {
        const stored =
          logBodies && bodies ? { request: capped(bodies.request), response: capped(bodies.response) } : null;
        state.add(completion, stored, options.now());
        publish(events, completion, tracker.observe(completion), tracker);
      } catch (error) {
        log.error("recording a completion failed", { request_id: completion.request_id, error });
      }
    },
  };
}
