// Owns in-process event fan-out: monotonically numbered events, a bounded replay buffer, subscribers.
import type { AppEvent, PublishedEvent } from "./types.js";

export interface EventBus {
  publish(event: AppEvent): PublishedEvent;
  /** Listeners run synchronously inside publish(); they must be cheap and never throw. */
  subscribe(listener: (event: PublishedEvent) => void): () => void;
  /** Events with id > lastId in order, or null when some of them already left the replay buffer. */
  since(lastId: number): PublishedEvent[] | null;
  lastId(): number;
}

export interface EventBusOptions {
  now: () => number;
  /** How many recent events are kept for Last-Event-ID replay. */
  replayCapacity?: number;
  /** First id handed out; entries pass a boot-time-derived value so ids never repeat across restarts. */
  firstId?: number;
  onListenerError?: (error: unknown) => void;
}

export function createEventBus(options: EventBusOptions): EventBus {
  const capacity = options.replayCapacity ?? 1000;
  const buffer: PublishedEvent[] = [];
  const listeners = new Set<(event: PublishedEvent) => void>();
  let nextId = options.firstId ?? 1;

  return {
    publish(event) {
      // An object literal, not a spread: publish runs for every proxied request (a spread costs ~20×).
      const published = {
        type: event.type,
        data: event.data,
        id: nextId++,
        at: options.now(),
      } as PublishedEvent;
      buffer.push(published);
      if (buffer.length > capacity) buffer.shift();
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
      const oldest = buffer[0]?.id ?? nextId;
      if (lastId < oldest - 1) return null;
      return buffer.filter((event) => event.id > lastId);
    },
    lastId() {
      return nextId - 1;
    },
  };
}
