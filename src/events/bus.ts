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
  lastId(): number;
}

export interface EventBusOptions {
  now: () => number;
  /** How many recent events are kept for Last-Event-ID replay, besides the newest state event per key. */
  replayCapacity?: number;
  /** First id handed out; entries pass a boot-time-derived value so ids never repeat across restarts. */
  firstId?: number;
  onListenerError?: (error: unknown) => void;
}

export function createEventBus(options: EventBusOptions): EventBus {
  const capacity = options.replayCapacity ?? 1000;
  // State events are kept as the newest per key, not in `buffer`: there was one a request, so they took
  // half of it, and each stayed ≈ 1000 events — past two young collections at c=100 — so V8 promoted it to
  // the old generation to die there. Keeping them apart took what Node promoted from 1.73 to 0.86 KB a
  // request at c=100 (`--trace-gc-nvp`); promoted garbage is what fills the old generation between full
  // collections and sets the heap's peak.
  const buffer: PublishedEvent[] = [];
  const states = new Map<string, PublishedEvent>();
  const listeners = new Set<(event: PublishedEvent) => void>();
  let nextId = options.firstId ?? 1;
  /** Every event with an id up to this one may have left the buffer. */
  let evictedUpTo = nextId - 1;
  // A removed endpoint's states go with it (its removal is what a resuming client needs), so `states`
  // stays bounded by the endpoints that exist.
  const forgetStatesOf = (endpointId: string) => {
    for (const [key, state] of states)
      if (isStateEvent(state) && state.data.endpoint_id === endpointId) states.delete(key);
  };

  return {
    publish(event) {
      // An object literal, not a spread: publish runs for every proxied request (a spread costs ~20×).
      const published = {
        type: event.type,
        data: event.data,
        id: nextId++,
        at: options.now(),
      } as PublishedEvent;
      const key = supersedingKey(published);
      if (key !== null) states.set(key, published);
      else {
        buffer.push(published);
        if (buffer.length > capacity) evictedUpTo = (buffer.shift() as PublishedEvent).id;
        if (published.type === "EndpointRemoved") forgetStatesOf(published.data.endpoint_id);
      }
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
    since(lastId) {
      const newest = nextId - 1;
      // An id newer than anything published came from a previous process: the client must refetch.
      if (lastId > newest) return null;
      if (lastId === newest) return [];
      if (lastId < evictedUpTo) return null;
      const missed = buffer.filter((event) => event.id > lastId);
      const before = missed.length;
      for (const state of states.values()) if (state.id > lastId) missed.push(state);
      return missed.length === before ? missed : missed.sort((a, b) => a.id - b.id);
    },
    lastId() {
      return nextId - 1;
    },
  };
}
