import { describe, expect, it } from "vitest";
import { createEventBus } from "../../src/events/bus.js";
import type { PublishedEvent } from "../../src/events/types.js";

const removed = (id: string) => ({ type: "EndpointRemoved" as const, data: { endpoint_id: id } });

describe("event bus", () => {
  it("numbers events monotonically and delivers them to every subscriber", () => {
    const bus = createEventBus({ now: () => 1000, firstId: 50 });
    const seenA: PublishedEvent[] = [];
    const seenB: PublishedEvent[] = [];
    bus.subscribe((event) => seenA.push(event));
    const unsubscribe = bus.subscribe((event) => seenB.push(event));
    bus.publish(removed("a"));
    unsubscribe();
    bus.publish(removed("b"));
    expect(seenA.map((event) => event.id)).toEqual([50, 51]);
    expect(seenB.map((event) => event.id)).toEqual([50]);
    expect(seenA[0]?.at).toBe(1000);
  });

  it("replays exactly the events after a given id", () => {
    const bus = createEventBus({ now: () => 0 });
    for (const id of ["a", "b", "c", "d"]) bus.publish(removed(id));
    expect(bus.since(2)?.map((event) => event.id)).toEqual([3, 4]);
    expect(bus.since(4)).toEqual([]);
  });

  it("answers null when the missed events already left the bounded buffer", () => {
    const bus = createEventBus({ now: () => 0, replayCapacity: 3 });
    for (const id of ["a", "b", "c", "d", "e"]) bus.publish(removed(id));
    expect(bus.since(1)).toBeNull();
    expect(bus.since(2)?.map((event) => event.id)).toEqual([3, 4, 5]);
  });

  it("answers null for an id from a previous process (newer than anything published)", () => {
    const bus = createEventBus({ now: () => 0 });
    bus.publish(removed("a"));
    expect(bus.since(999)).toBeNull();
  });

  it("keeps delivering when one listener throws", () => {
    const errors: unknown[] = [];
    const bus = createEventBus({ now: () => 0, onListenerError: (error) => errors.push(error) });
    const seen: number[] = [];
    bus.subscribe(() => {
      throw new Error("broken listener");
    });
    bus.subscribe((event) => seen.push(event.id));
    bus.publish(removed("a"));
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });
});
