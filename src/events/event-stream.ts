// Owns the fan-out of bus events to SSE clients: Last-Event-ID replay or reset, heartbeats, write
// coalescing (one write per client per window; a state event superseded within the window is not sent),
// and the per-client backlog bound that disconnects a client which stops reading (publishers never wait).
import { type EventBus, isStateEvent, supersedingKey } from "./bus.js";
import {
  formatComment,
  formatCompletions,
  formatEvent,
  formatOpening,
  formatReset,
  parseLastEventId,
  type ResetReason,
  type SingleEvent,
} from "./sse-format.js";
import type { CompletionRecord, PublishedEvent } from "./types.js";

export interface EventStreamOptions {
  bus: EventBus;
  /** Bytes a client may have written but not yet taken; beyond it the client is disconnected. */
  maxBacklogBytes: number;
  /** Reconnect delay suggested to EventSource clients, ms. */
  retryMs?: number;
  onSlowClient?: (info: { backlogBytes: number }) => void;
  /**
   * Runs fn once after delayMs (a timer, passed in by the composition). Events published within that
   * window reach each client as one write: fan-out costs one write per client per window, not per event.
   */
  schedule: (fn: () => void, delayMs: number) => void;
  /** The coalescing window, ms (default 25). */
  flushDelayMs?: number;
}

export interface EventStreamStats {
  clients: number;
  /** Clients disconnected since boot because their backlog exceeded the bound. */
  slowDisconnects: number;
}

export interface EventStreamHub {
  /**
   * A new client stream; lastEventIdHeader is the raw Last-Event-ID request header, if any. Only a client
   * connected with `logs` (an admin who asked for the log tail) also receives what sendToAdmins() sends.
   */
  connect(lastEventIdHeader: string | undefined, options: { logs: boolean }): ReadableStream<Uint8Array>;
  /**
   * Sends an unnumbered event (no `id:`, never replayed, not on the bus) to admin clients only: the live
   * log tail. `json` is the event's data, already serialised.
   */
  sendToAdmins(type: "LogLine", json: string): void;
  /** Writes a heartbeat comment to every client (run by a background job at least every 15 s). */
  heartbeat(): void;
  stats(): EventStreamStats;
  /** Ends every client stream (shutdown). */
  closeAll(): void;
}

/**
 * Default coalescing window, ms: fan-out costs one write per client per window, and a window carries at
 * most one TpsUpdated per key. With 100 clients on the bench machine, 50 ms instead of 25 kept 88 % instead
 * of 82 % of the proxy's throughput (100 ms: 89 %, no better). Longer windows make each write larger, and a
 * burst's one large write can then hold a reading client over its backlog bound at the next window
 * (test/integration/events.test.ts).
 */
export const FLUSH_DELAY_MS = 50;

/** The wire size counted for a RequestCompleted record or a state event until it is encoded at the flush. */
const KEPT_EVENT_BYTES = 100;

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** Receives the log tail (sendToAdmins). */
  admin: boolean;
  /** Lets go of the bus's replay buffer (held while the client is connected: it may come back). */
  release: () => void;
}

interface Frame {
  bytes: Uint8Array;
  adminOnly: boolean;
  /** The bus id the frame carries; null for frames sent without one (the admins' log tail). */
  id: number | null;
}

/**
 * One window's queue, in id order: frames encoded at publish, and events kept as events until the flush:
 * state events (supersedingKey), encoded only if no newer one for their key followed in the window, and
 * RequestCompleted records, sent together as one RequestsCompleted frame.
 */
type Queued = Frame | PublishedEvent;

function isFrame(item: Queued): item is Frame {
  return "bytes" in item;
}

/** Whether the window (or replay) sends this event at all: a state event only if the newest for its key. */
type SendsEvent = (event: SingleEvent) => boolean;

/**
 * The frames for queued items in id order, each run of RequestCompleted records as one RequestsCompleted
 * frame carrying the newest id it covers (every item up to it is sent, superseded or in the batch; the last
 * run carries `lastId`, the window's newest). Runs end at the next event with an id: TpsUpdated and
 * MetricsUpdated carry totals that already count the requests finished before them, so a client that got
 * a batch after them counted those requests twice, until the next such event (after a window's last
 * request, none comes).
 */
function framesOf(queued: Queued[], lastId: number, sends: SendsEvent, encoder: TextEncoder): Frame[] {
  const frames: Frame[] = [];
  let completions: CompletionRecord[] = [];
  let coveredId = 0;
  const batch = (id: number) => {
    if (completions.length === 0) return;
    frames.push({ bytes: encoder.encode(formatCompletions(id, completions)), adminOnly: false, id });
    completions = [];
  };
  for (const item of queued) {
    if (isFrame(item)) {
      if (item.id !== null) batch(coveredId);
      frames.push(item);
      coveredId = item.id ?? coveredId;
      continue;
    }
    if (item.type === "RequestCompleted") completions.push(item.data);
    else if (sends(item)) {
      batch(coveredId);
      frames.push({ bytes: encoder.encode(formatEvent(item)), adminOnly: false, id: item.id });
    }
    coveredId = item.id;
  }
  batch(lastId);
  return frames;
}

/** Sends only the newest state event per key among the queued items. */
function newestPerKey(queued: Queued[]): SendsEvent {
  const newest = new Map<string, number>();
  for (const item of queued) {
    const key = isFrame(item) ? null : supersedingKey(item);
    if (key !== null) newest.set(key, (item as PublishedEvent).id);
  }
  // Each state event's key is built once (above), not again per question.
  const sent = new Set(newest.values());
  return (event) => !isStateEvent(event) || sent.has(event.id);
}

function concat(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((sum, frame) => sum + frame.byteLength, 0));
  let offset = 0;
  for (const frame of frames) {
    out.set(frame, offset);
    offset += frame.byteLength;
  }
  return out;
}

/** One chunk with every frame (admins) and one without the admin-only frames (everyone else). */
function audienceChunks(frames: Frame[]): { admin: Uint8Array; everyone: Uint8Array } {
  const all = frames.map((frame) => frame.bytes);
  const admin = all.length === 1 ? (all[0] as Uint8Array) : concat(all);
  const shared = frames.filter((frame) => !frame.adminOnly);
  return {
    admin,
    everyone: shared.length === all.length ? admin : concat(shared.map((frame) => frame.bytes)),
  };
}

/** Erroring the stream drops its backlog and makes the server close the connection (Node logs the error). */
function slowClientError(): Error {
  const message = "SSE client fell too far behind and was disconnected; it reconnects with Last-Event-ID";
  const error = new Error(message);
  error.name = "SlowSseClient";
  error.stack = `${error.name}: ${message}`; // an expected event, not a fault: no stack trace in logs
  return error;
}

/** What a (re)connecting client is owed first: replayed events, or a reset when replay is impossible. */
function openingFrames(
  options: EventStreamOptions,
  encoder: TextEncoder,
  retryMs: number,
  lastEventIdHeader: string | undefined,
): Uint8Array[] {
  const bus = options.bus;
  const lastEventId = parseLastEventId(lastEventIdHeader);
  if (lastEventId.kind === "none") return [encoder.encode(formatOpening(retryMs, bus.lastId()))];
  const opening = encoder.encode(formatOpening(retryMs, null));
  const reset = (reason: ResetReason) => [opening, encoder.encode(formatReset(bus.lastId(), reason))];
  if (lastEventId.kind === "invalid") return reset("unknown_id");
  const missed = bus.since(lastEventId.id);
  if (missed === null) return reset(lastEventId.id > bus.lastId() ? "unknown_id" : "too_far_behind");
  const frames = framesOf(missed, missed.at(-1)?.id ?? 0, () => true, encoder).map((frame) => frame.bytes);
  const replayBytes = frames.reduce((sum, frame) => sum + frame.byteLength, 0);
  // A replay larger than the backlog bound would disconnect the client at once, on every reconnect.
  if (replayBytes > options.maxBacklogBytes) return reset("too_far_behind");
  return [opening, ...frames];
}

export function createEventStreamHub(options: EventStreamOptions): EventStreamHub {
  const encoder = new TextEncoder();
  const clients = new Set<Client>();
  const retryMs = options.retryMs ?? 3000;
  const flushDelayMs = options.flushDelayMs ?? FLUSH_DELAY_MS;
  let slowDisconnects = 0;
  /** Connected admin clients (sendToAdmins does nothing without one). */
  let admins = 0;
  /** What was published since the last flush, in id order; shared by every client of an audience. */
  let pending: Queued[] = [];
  /** The newest bus id in `pending`. */
  let pendingLastId = 0;
  /** What `pending` will take on the wire, roughly (encoded frames exactly, events kept as events estimated). */
  let pendingBytes = 0;
  /**
   * A window this large is flushed at once instead of at its timer: one write must stay well inside a
   * reading client's backlog bound, or the next window would find even a client that keeps up over it.
   */
  const earlyFlushBytes = options.maxBacklogBytes / 4;
  let flushScheduled = false;

  const drop = (client: Client) => {
    if (!clients.delete(client)) return;
    if (client.admin) admins -= 1;
    client.release();
  };

  /**
   * Enqueues without waiting. A client still holding more than the bound from earlier writes is
   * disconnected instead (erroring drops its backlog); the new chunk itself never counts, so one large
   * burst never disconnects a client that keeps up.
   */
  const send = (client: Client, bytes: Uint8Array) => {
    if (!clients.has(client)) return;
    const desired = client.controller.desiredSize;
    if (desired !== null && desired < 0) {
      drop(client);
      slowDisconnects += 1;
      options.onSlowClient?.({ backlogBytes: options.maxBacklogBytes - desired });
      client.controller.error(slowClientError());
      return;
    }
    try {
      client.controller.enqueue(bytes);
    } catch {
      drop(client); // already closed by the runtime
    }
  };

  /**
   * Sends what is pending: one chunk per audience, the same bytes for every client of it. A timer already
   * scheduled stays scheduled (when it fires it sends whatever came since).
   */
  const flush = () => {
    if (pending.length === 0) return;
    const queued = pending;
    pending = [];
    pendingBytes = 0;
    if (clients.size === 0) return;
    const chunks = audienceChunks(framesOf(queued, pendingLastId, newestPerKey(queued), encoder));
    for (const client of clients) {
      const chunk = client.admin ? chunks.admin : chunks.everyone;
      if (chunk.byteLength > 0) send(client, chunk);
    }
  };

  const enqueue = (item: Queued) => {
    pending.push(item);
    pendingBytes += isFrame(item) ? item.bytes.byteLength : KEPT_EVENT_BYTES;
    if (pendingBytes >= earlyFlushBytes) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      options.schedule(() => {
        flushScheduled = false;
        flush();
      }, flushDelayMs);
    }
  };
  // One subscription for all clients: each event is formatted and encoded once (a state event at the
  // flush, and only if it is still the newest for its key).
  options.bus.subscribe((event) => {
    if (clients.size === 0) return;
    pendingLastId = event.id;
    if (event.type === "RequestCompleted" || isStateEvent(event)) enqueue(event);
    else enqueue({ bytes: encoder.encode(formatEvent(event)), adminOnly: false, id: event.id });
  });

  return {
    connect(lastEventIdHeader, { logs }) {
      let client: Client | undefined;
      return new ReadableStream<Uint8Array>(
        {
          start(controller) {
            // Pending frames go to the clients that were there; the replay below covers them for this one.
            flush();
            // Replay and subscription happen in one synchronous step: no event can fall between them.
            client = { controller, admin: logs, release: options.bus.holdReplay() };
            for (const frame of openingFrames(options, encoder, retryMs, lastEventIdHeader))
              controller.enqueue(frame);
            clients.add(client);
            if (client.admin) admins += 1;
          },
          cancel() {
            if (client) drop(client);
          },
        },
        { highWaterMark: options.maxBacklogBytes, size: (chunk) => chunk.byteLength },
      );
    },
    sendToAdmins(type, json) {
      if (admins > 0)
        enqueue({ bytes: encoder.encode(`event: ${type}\ndata: ${json}\n\n`), adminOnly: true, id: null });
    },
    heartbeat() {
      if (clients.size === 0) return;
      const bytes = encoder.encode(formatComment("heartbeat"));
      for (const client of clients) send(client, bytes);
    },
    stats() {
      return { clients: clients.size, slowDisconnects };
    },
    closeAll() {
      flush();
      for (const client of clients) {
        drop(client);
        try {
          client.controller.close();
        } catch {
          // already closed
        }
      }
    },
  };
}
