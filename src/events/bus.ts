// Owns in-process event fan-out: monotonically numbered events, a bounded replay buffer, subscribers.
import type { AppEvent, PublishedEvent } from "./types.js";

/** Whether an event carries a state (the figures after an update) rather than a happening. */
export const isStateEvent = (event: AppEvent): event is AppEvent & { type: "TpsUpdated" } =>
  event.type === "TpsUpdated";

/**
 * Events that carry a state, not a happening: only the newest per key matters to anyone who missed some —
 * it holds everything the earlier ones did (their per-request figures are in the RequestCompleted records,
 * which are always kept). The event stream sends one per key per window; the bus keeps one per key.
 */
export function supersedingKey(event: AppEvent): string | null {
  if (!isStateEvent(event)) return null;
  const data = event.data;
  return `${data.endpoint_id}\u0000${data.model_id}\u0000${data.api_kind}`;
}

export interface EventBus {
  publish(event: AppEvent): PublishedEvent;
  /** Listeners run synchronously inside publish(); they must be cheap and never throw. */
  subscribe(listener: (event: PublishedEvent) => void): () => void;
  /**
   * Events with id > lastId in order (of the state events only the newest per key), or null when some of
   * them already left the replay buffer.
   */
  since(lastId: number): PublishedEvent[] | null;
  /**
   * Marks a reader that may come back with Last-Event-ID (an event-stream client) until the returned
   * function is called: without one, no events are kept for replay (see createReplayBuffer).
   */
  holdReplay(): () => void;
  lastId(): number;
}

export interface EventBusOptions {
  now: () => number;
  /**
   * How many recent events are kept for Last-Event-ID replay while a client could resume, besides the
   * newest state event per key.
   */
  replayCapacity?: number;
  /** First id handed out; entries pass a boot-time-derived value so ids never repeat across restarts. */
  firstId?: number;
  onListenerError?: (error: unknown) => void;
}

/**
 * What a reconnecting client can be replayed: the last `capacity` events other than state events, and the
 * newest state event per key. Events are kept only while a client could resume from them: while one holds
 * the buffer (a connected event-stream client), and after the last one lets go until the buffer has moved
 * past the newest event it could have seen — from then on every resume would find its events gone anyway.
 *
 * Measured reason for both: whatever stays here past two young collections is promoted by V8 and dies in
 * the old generation, whose garbage sets the heap's peak. State events (one a request) used to fill half
 * of the buffer; keeping them apart took what Node promoted from 1.73 to 0.86 KB a request at c=100
 * (`--trace-gc-nvp`). Keeping nothing while nobody can resume (measured with the buffer cut to one event)
 * took promotion to 0.46 KB, the main thread's CPU from 69.5 to 67.0 µs a request (interleaved slices at
 * c=50) and the RSS peak over 32 s of load from 212 to 181 MiB.
 */
function createReplayBuffer(capacity: number, firstId: number) {
  const buffer: PublishedEvent[] = [];
  const states = new Map<string, PublishedEvent>();
  /** Every event with an id up to this one may have left the buffer. */
  let evictedUpTo = firstId - 1;
  let holders = 0;
  /** The newest id when the last holder let go: no client that left can resume from a later one. */
  let newestAtRelease = Number.NEGATIVE_INFINITY;

  return {
    keep(event: PublishedEvent): void {
      const key = supersedingKey(event);
      if (key !== null) {
        states.set(key, event);
        return;
      }
      if (holders === 0 && evictedUpTo > newestAtRelease) {
        evictedUpTo = event.id;
        if (buffer.length > 0) buffer.length = 0;
      } else {
        buffer.push(event);
        if (buffer.length > capacity) evictedUpTo = (buffer.shift() as PublishedEvent).id;
      }
      // A removed endpoint's states go with it (its removal is what a resuming client needs), so `states`
      // stays bounded by the endpoints that exist.
      if (event.type === "EndpointRemoved") {
        const endpointId = event.data.endpoint_id;
        for (const [key, state] of states)
          if (isStateEvent(state) && state.data.endpoint_id === endpointId) states.delete(key);
      }
    },
    /** As EventBus.since, for a lastId below the newest id. */
    since(lastId: number): PublishedEvent[] | null {
      if (lastId < evictedUpTo) return null;
      const missed = buffer.filter((event) => event.id > lastId);
      const before = missed.length;
      for (const state of states.values()) if (state.id > lastId) missed.push(state);
      return missed.length === before ? missed : missed.sort((a, b) => a.id - b.id);
    },
    hold(newestId: () => number): () => void {
      holders += 1;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        holders -= 1;
        if (holders === 0) newestAtRelease = newestId();
      };
    },
  };
}

export function createEventBus(options: EventBusOptions): EventBus {
  const listeners = new Set<(event: PublishedEvent) => void>();
  let nextId = options.firstId ?? 1;
  const replay = createReplayBuffer(options.replayCapacity ?? 1000, nextId);
  const newestId = () => nextId - 1;

  return {
    publish(event) {
      // An object literal, not a spread: publish runs for every proxied request (a spread costs ~20×).
      const published = {
        type: event.type,
        data: event.data,
        id: nextId++,
        at: options.now(),
      } as PublishedEvent;
      replay.keep(published);
      for (const listener of listeners) {
        try {
          listener(published);
        } catch (error) {
          options.onListenerError?.(error);
        }
      }
      return published;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    holdReplay() {
      return replay.hold(newestId);
    },
    since(lastId) {
      const newest = newestId();
      // An id newer than anything published came from a previous process: the client must refetch.
      if (lastId > newest) return null;
      if (lastId === newest) return [];
      return replay.since(lastId);
    },
    lastId: newestId,
  };
}
