// Owns what happens to a finished request at once (no I/O on the caller's path): the stats state, the TPS
// tracker, the RequestCompleted/TpsUpdated events, and the bodies kept for request_history when
// LLMLB_LOG_BODIES=1 (each capped at LLMLB_LOG_BODY_MAX_BYTES, flagged when cut), and the attempts.
import type { TpsEntry, TpsTracker } from "../balancer/tps-tracker.js";
import type { EventBus } from "../events/bus.js";
import type { ApiKind, CompletionRecord, EventPayloads, ModelLoad } from "../events/types.js";
import type { Logger } from "../logger.js";
import { modelLoadOf } from "./model-load.js";
import type { StatsState } from "./stats-state.js";
import type { CompletionSink, RecordedBodies, RequestDetails, StoredBodies } from "./types.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `text` cut to at most `maxBytes` UTF-8 bytes on a character boundary. */
export function capBytes(text: string, maxBytes: number): { text: string; truncated: boolean } {
  // A UTF-16 unit encodes to at most 3 bytes: short strings need no encoding at all.
  if (text.length * 3 <= maxBytes) return { text, truncated: false };
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = maxBytes;
  // Step back to the first byte of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return { text: decoder.decode(bytes.subarray(0, end)), truncated: true };
}

export function storedBodies(bodies: RecordedBodies, maxBytes: number): StoredBodies {
  const request = bodies.request === null ? null : capBytes(bodies.request, maxBytes);
  const response = bodies.response === null ? null : capBytes(bodies.response, maxBytes);
  return {
    request: request?.text ?? null,
    response: response?.text ?? null,
    requestTruncated: request?.truncated ?? false,
    responseTruncated: (response?.truncated ?? false) || bodies.responseTruncated === true,
  };
}

function publish(
  events: EventBus,
  completion: CompletionRecord,
  entry: TpsEntry | undefined,
  tracker: TpsTracker,
): void {
  events.publish({ type: "RequestCompleted", data: completion });
  // Only a request the tracker took (a success on an endpoint) changes the speed figures.
  if (!entry) return;
  events.publish({ type: "TpsUpdated", data: new TpsUpdate(completion, entry, tracker) });
}

type TpsUpdatedData = EventPayloads["TpsUpdated"];

/**
 * TpsUpdated's data. Its `load` is computed when the event is first read (encoded for /api/events), not
 * when it is published, and kept from then on: TpsUpdated is a state event, the event stream sends only the
 * newest one per endpoint × model × API kind in each 50 ms window, so under load nearly all are superseded
 * unread. Building it per completion (modelLoadOf: the curve and the prefill fit) was 2.1 % of Node's busy
 * CPU samples at c=50 (bench section 3 profile). The value is the profile as of that first read (at most
 * one window later, or the replay).
 *
 * A class with `load` on its prototype, not an object literal with a getter: on Node 20 a literal with an
 * accessor was promoted to the old generation whether or not anything kept it (≈ 250 bytes a request of
 * the ≈ 730 promoted at c=100, `--trace-gc-nvp`), which made V8's heap peak higher and its full collections
 * more frequent. `toJSON` gives the wire form its `load` member.
 */
class TpsUpdate implements TpsUpdatedData {
  readonly endpoint_id: string;
  readonly model_id: string;
  readonly api_kind: ApiKind;
  readonly tps: number | null;
  readonly output_tokens: number;
  readonly duration_ms: number;
  readonly request_count: number;
  readonly total_output_tokens: number;
  readonly average_duration_ms: number | null;
  readonly ttft_ms: number | null;
  readonly decode_tps: number | null;
  #tracker: TpsTracker;
  #load: ModelLoad | null | undefined = undefined;

  constructor(completion: CompletionRecord, entry: TpsEntry, tracker: TpsTracker) {
    this.endpoint_id = entry.endpointId;
    this.model_id = entry.model;
    this.api_kind = entry.apiKind;
    this.tps = entry.tps;
    this.output_tokens = completion.output_tokens;
    this.duration_ms = completion.duration_ms;
    this.request_count = entry.requestCount;
    this.total_output_tokens = entry.totalOutputTokens;
    this.average_duration_ms = entry.requestCount > 0 ? entry.totalDurationMs / entry.requestCount : null;
    this.ttft_ms = entry.ttftMs;
    this.decode_tps = entry.decodeTps;
    this.#tracker = tracker;
  }

  get load(): ModelLoad | null {
    if (this.#load === undefined)
      this.#load = modelLoadOf(this.#tracker.loadOf(this.endpoint_id, this.model_id, this.api_kind));
    return this.#load;
  }

  toJSON(): TpsUpdatedData {
    return {
      endpoint_id: this.endpoint_id,
      model_id: this.model_id,
      api_kind: this.api_kind,
      tps: this.tps,
      output_tokens: this.output_tokens,
      duration_ms: this.duration_ms,
      request_count: this.request_count,
      total_output_tokens: this.total_output_tokens,
      average_duration_ms: this.average_duration_ms,
      ttft_ms: this.ttft_ms,
      decode_tps: this.decode_tps,
      load: this.load,
    };
  }
}

export function createCompletionSink(options: {
  /** null: the recorder is off (LLMLB_BENCH_RECORDER_OFF) — TPS and events only. */
  state: StatsState | null;
  tracker: TpsTracker;
  events: EventBus;
  logger: Logger;
  /** LLMLB_LOG_BODIES: bodies reach request_history only when set. */
  logBodies: boolean;
  /** LLMLB_LOG_BODY_MAX_BYTES: cap on each stored body. */
  logBodyMaxBytes: number;
  now: () => number;
}): CompletionSink {
  const { state, tracker, events, logBodies } = options;
  const log = options.logger.child({ component: "recorder" });
  return {
    logsBodies: logBodies,
    bodyMaxBytes: options.logBodyMaxBytes,
    record(completion, details?: RequestDetails) {
      try {
        if (state) {
          const bodies =
            logBodies && details?.bodies ? storedBodies(details.bodies, options.logBodyMaxBytes) : null;
          state.add(completion, { attempts: details?.attempts ?? [], bodies }, options.now());
        }
        publish(events, completion, tracker.observe(completion), tracker);
      } catch (error) {
        log.error("recording a completion failed", { request_id: completion.request_id, error });
      }
    },
  };
}
