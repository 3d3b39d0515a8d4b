import { describe, expect, it } from "vitest";
import { createEventBus } from "../../src/events/bus.js";
import type { PublishedEvent } from "../../src/events/types.js";

const removed = (id: string) => ({ type: "EndpointRemoved" as const, data: { endpoint_id: id } });
const tpsFields = {
  endpoint_id: "e",
  model_id: "m",
  api_kind: "chat_completions" as const,
  tps: 10,
  output_tokens: 5,
  duration_ms: 500,
  request_count: 1,
  total_output_tokens: 5,
  average_duration_ms: 500,
  ttft_ms: null,
  decode_tps: null,
  load: null,
};

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
    bus.holdReplay();
    for (const id of ["a", "b", "c", "d"]) bus.publish(removed(id));
    expect(bus.since(2)?.map((event) => event.id)).toEqual([3, 4]);
    expect(bus.since(4)).toEqual([]);
  });

  it("answers null when the missed events already left the bounded buffer", () => {
    const bus = createEventBus({ now: () => 0, replayCapacity: 3 });
    bus.holdReplay();
    for (const id of ["a", "b", "c", "d", "e"]) bus.publish(removed(id));
    expect(bus.since(1)).toBeNull();
    expect(bus.since(2)?.map((event) => event.id)).toEqual([3, 4, 5]);
  });

  it("keeps only the newest state event per key, and does not count state events against the capacity", () => {
    const bus = createEventBus({ now: () => 0, replayCapacity: 3 });
    bus.holdReplay();
    const tps = (endpoint: string, requestCount: number) => ({
      type: "TpsUpdated" as const,
      data: { ...tpsFields, endpoint_id: endpoint, request_count: requestCount },
    });
    bus.publish(removed("a")); // 1
    bus.publish(tps("e1", 1)); // 2
    bus.publish(tps("e2", 1)); // 3
    bus.publish(tps("e1", 2)); // 4, supersedes 2
    bus.publish(removed("b")); // 5
    bus.publish(tps("e1", 3)); // 6, supersedes 4
    bus.publish(removed("c")); // 7
    const missed = bus.since(1) ?? [];
    expect(missed.map((event) => event.id)).toEqual([3, 5, 6, 7]);
    expect(missed.find((event) => event.id === 6)?.data).toMatchObject({
      endpoint_id: "e1",
      request_count: 3,
    });
    expect(bus.since(5)?.map((event) => event.id)).toEqual([6, 7]);
    expect(bus.since(6)?.map((event) => event.id)).toEqual([7]);
    // Three non-state events fit; a fourth pushes the first out, whatever the state events in between.
    bus.publish(removed("d")); // 8
    expect(bus.since(0)).toBeNull();
    expect(bus.since(1)?.map((event) => event.id)).toEqual([3, 5, 6, 7, 8]);
  });

  it("drops a removed endpoint's state events: its removal is what a resuming client gets", () => {
    const bus = createEventBus({ now: () => 0 });
    bus.holdReplay();
    const tps = (endpoint: string) => ({
      type: "TpsUpdated" as const,
      data: { ...tpsFields, endpoint_id: endpoint },
    });
    bus.publish(removed("x")); // 1
    bus.publish(tps("e1")); // 2
    bus.publish(tps("e2")); // 3
    bus.publish(removed("e1")); // 4
    expect(bus.since(1)?.map((event) => [event.id, event.type])).toEqual([
      [3, "TpsUpdated"],
      [4, "EndpointRemoved"],
    ]);
  });

  it("keeps events for replay only while a holder could resume from them", () => {
    const bus = createEventBus({ now: () => 0, replayCapacity: 2 });
    bus.publish(removed("a")); // 1: nobody holds the buffer
    expect(bus.since(0)).toBeNull();
    const release = bus.holdReplay();
    const other = bus.holdReplay();
    bus.publish(removed("b")); // 2
    release();
    release(); // a second call changes nothing: `other` still holds
    bus.publish(removed("c")); // 3
    bus.publish(removed("d")); // 4
    expect(bus.since(2)?.map((event) => event.id)).toEqual([3, 4]);
    other(); // the last holder saw up to 4
    bus.publish(removed("e")); // 5: kept, and 3 leaves the buffer
    expect(bus.since(4)?.map((event) => event.id)).toEqual([5]);
    bus.publish(removed("f")); // 6: kept, 4 leaves (a resume from 4 needs only 5 and 6)
    expect(bus.since(4)?.map((event) => event.id)).toEqual([5, 6]);
    bus.publish(removed("g")); // 7: kept, 5 leaves: nobody can resume any more
    expect(bus.since(4)).toBeNull();
    bus.publish(removed("h")); // 8: not kept, and nothing else is
    expect(bus.since(7)).toBeNull();
    expect(bus.since(8)).toEqual([]);
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
