// Owns the fan-out of bus events to SSE clients: Last-Event-ID replay or reset, heartbeats, and the
// per-client backlog bound that disconnects a client which stops reading (publishers never wait).
import type { EventBus } from "./bus.js";
import {
  formatComment,
  formatEvent,
  formatOpening,
  formatReset,
  parseLastEventId,
  type ResetReason,
} from "./sse-format.js";

export interface EventStreamOptions {
  bus: EventBus;
  /** Bytes a client may have written but not yet taken; beyond it the client is disconnected. */
  maxBacklogBytes: number;
  /** Reconnect delay suggested to EventSource clients, ms. */
  retryMs?: number;
  onSlowClient?: (info: { backlogBytes: number }) => void;
}

export interface EventStreamStats {
  clients: number;
  /** Clients disconnected since boot because their backlog exceeded the bound. */
  slowDisconnects: number;
}

export interface EventStreamHub {
  /** A new client stream; lastEventIdHeader is the raw Last-Event-ID request header, if any. */
  connect(lastEventIdHeader: string | undefined): ReadableStream<Uint8Array>;
  /** Writes a heartbeat comment to every client (run by a background job at least every 15 s). */
  heartbeat(): void;
  stats(): EventStreamStats;
  /** Ends every client stream (shutdown). */
  closeAll(): void;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
}

/** Erroring the stream drops its backlog and makes the server close the connection (Node logs the error). */
function slowClientError(): Error {
  const message = "SSE client fell too far behind and was disconnected; it reconnects with Last-Event-ID";
  const error = new Error(message);
  error.name = "SlowSseClient";
  error.stack = `${error.name}: ${message}`; // an expected event, not a fault: no stack trace in logs
  return error;
}

export function createEventStreamHub(options: EventStreamOptions): EventStreamHub {
  const encoder = new TextEncoder();
  const clients = new Set<Client>();
  const retryMs = options.retryMs ?? 3000;
  let slowDisconnects = 0;

  const drop = (client: Client) => clients.delete(client);

  /** Enqueues without waiting; errors the stream (dropping its backlog) once the bound is passed. */
  const send = (client: Client, bytes: Uint8Array) => {
    if (!clients.has(client)) return;
    try {
      client.controller.enqueue(bytes);
    } catch {
      drop(client); // already closed by the runtime
      return;
    }
    const desired = client.controller.desiredSize;
    if (desired !== null && desired < 0) {
      drop(client);
      slowDisconnects += 1;
      options.onSlowClient?.({ backlogBytes: options.maxBacklogBytes - desired });
      client.controller.error(slowClientError());
    }
  };

  // One subscription for all clients: each event is formatted and encoded once, shared by every queue.
  options.bus.subscribe((event) => {
    if (clients.size === 0) return;
    const bytes = encoder.encode(formatEvent(event));
    for (const client of clients) send(client, bytes);
  });

  /** What a (re)connecting client is owed first: replayed events, or a reset when replay is impossible. */
  const openingFrames = (lastEventIdHeader: string | undefined): Uint8Array[] => {
    const bus = options.bus;
    const lastEventId = parseLastEventId(lastEventIdHeader);
    if (lastEventId.kind === "none") return [encoder.encode(formatOpening(retryMs, bus.lastId()))];
    const opening = encoder.encode(formatOpening(retryMs, null));
    const reset = (reason: ResetReason) => [opening, encoder.encode(formatReset(bus.lastId(), reason))];
    if (lastEventId.kind === "invalid") return reset("unknown_id");
    const missed = bus.since(lastEventId.id);
    if (missed === null) return reset(lastEventId.id > bus.lastId() ? "unknown_id" : "too_far_behind");
    const frames = missed.map((event) => encoder.encode(formatEvent(event)));
    const replayBytes = frames.reduce((sum, frame) => sum + frame.byteLength, 0);
    // A replay larger than the backlog bound would disconnect the client at once, on every reconnect.
    if (replayBytes > options.maxBacklogBytes) return reset("too_far_behind");
    return [opening, ...frames];
  };

  return {
    connect(lastEventIdHeader) {
      let client: Client | undefined;
      return new ReadableStream<Uint8Array>(
        {
          start(controller) {
            // Replay and subscription happen in one synchronous step: no event can fall between them.
            client = { controller };
            for (const frame of openingFrames(lastEventIdHeader)) controller.enqueue(frame);
            clients.add(client);
          },
          cancel() {
            if (client) drop(client);
          },
        },
        { highWaterMark: options.maxBacklogBytes, size: (chunk) => chunk.byteLength },
      );
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
