import { describe, expect, it } from "vitest";
import { createEventBus, type EventBus } from "../../src/events/bus.js";
import { completionsOf } from "../../src/events/completion-batch.js";
import { createEventStreamHub } from "../../src/events/event-stream.js";
import { formatEvent, parseLastEventId, type SingleEvent } from "../../src/events/sse-format.js";
import { completion } from "../fixtures/completions.js";
import { type SseMessage, SseParser } from "../fixtures/sse-client.js";

const removed = (id: string) => ({ type: "EndpointRemoved" as const, data: { endpoint_id: id } });

const completed = (requestId: string, finishedAt: number) => ({
  type: "RequestCompleted" as const,
  data: completion({ request_id: requestId, finished_at: finishedAt }),
});

/** The request ids a RequestsCompleted message carries, in order. */
const completedIds = (message: SseMessage | undefined) =>
  completionsOf(JSON.parse(message?.data ?? "{}")).map((record) => record.request_id);

/** Reads whatever the stream has queued right now; a read still pending is kept for the next call. */
function drainer(reader: ReadableStreamDefaultReader<Uint8Array>, parser: SseParser) {
  const decoder = new TextDecoder();
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  const none = Symbol("none");
  return async (): Promise<SseMessage[]> => {
    const out: SseMessage[] = [];
    for (;;) {
      pending ??= reader.read();
      const next = await Promise.race([
        pending,
        new Promise<typeof none>((r) => setTimeout(() => r(none), 5)),
      ]);
      if (next === none) return out;
      pending = null;
      if (next.done) return out;
      out.push(...parser.feed(decoder.decode(next.value, { stream: true })));
    }
  };
}

/** A manual clock with timers: schedule() registers, advance() runs what came due. */
function manualTimers() {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    schedule: (fn: () => void, delayMs: number) => void timers.push({ at: now + delayMs, fn }),
    advance(ms: number) {
      now += ms;
      const due = timers.filter((timer) => timer.at <= now);
      timers = timers.filter((timer) => timer.at > now);
      for (const timer of due) timer.fn();
    },
    pending: () => timers.length,
  };
}

function setup(options: { replayCapacity?: number; maxBacklogBytes?: number } = {}) {
  const timers = manualTimers();
  const bus: EventBus = createEventBus({
    now: () => 0,
    firstId: 100,
    replayCapacity: options.replayCapacity,
  });
  const hub = createEventStreamHub({
    bus,
    maxBacklogBytes: options.maxBacklogBytes ?? 64 * 1024,
    schedule: timers.schedule,
    flushDelayMs: 25,
  });
  const open = (lastEventId?: string) => {
    const reader = hub.connect(lastEventId, { logs: false }).getReader();
    const parser = new SseParser();
    const drain = drainer(reader, parser);
    // The client reads after the coalescing window has passed.
    const read = () => {
      timers.advance(25);
      return drain();
    };
    return { reader, parser, read };
  };
  return { bus, hub, open, timers };
}

describe("SSE framing", () => {
  it("frames an event as id, event type and one JSON data line", () => {
    const event = { id: 7, at: 0, type: "EndpointRemoved", data: { endpoint_id: "a\nb" } } as SingleEvent;
    expect(formatEvent(event)).toBe('id: 7\nevent: EndpointRemoved\ndata: {"endpoint_id":"a\\nb"}\n\n');
  });

  it("reads Last-Event-ID as none, an id, or invalid", () => {
    expect(parseLastEventId(undefined)).toEqual({ kind: "none" });
    expect(parseLastEventId(" ")).toEqual({ kind: "none" });
    expect(parseLastEventId("42")).toEqual({ kind: "id", id: 42 });
    expect(parseLastEventId("4x")).toEqual({ kind: "invalid" });
    expect(parseLastEventId("-1")).toEqual({ kind: "invalid" });
  });
});

describe("event stream hub", () => {
  it("gives a fresh client the current last id, then every new event with its id and payload", async () => {
    const { bus, open } = setup();
    bus.publish(removed("before"));
    const client = open();
    expect(await client.read()).toEqual([]);
    expect(client.parser.lastEventId).toBe("100");
    expect(client.parser.retryMs).toBe(3000);
    bus.publish(removed("x"));
    const [event] = await client.read();
    expect(event).toEqual({ id: "101", event: "EndpointRemoved", data: '{"endpoint_id":"x"}' });
  });

  it("sends one TpsUpdated per endpoint, model and API kind per window (the newest), every other event", async () => {
    const { bus, open } = setup();
    const client = open();
    await client.read();
    const tps = (model: string, count: number) => ({
      type: "TpsUpdated" as const,
      data: {
        endpoint_id: "e1",
        model_id: model,
        api_kind: "chat_completions" as const,
        tps: count * 10,
        output_tokens: 5,
        duration_ms: 100,
        request_count: count,
        total_output_tokens: count * 5,
        average_duration_ms: 100,
        ttft_ms: null,
        decode_tps: null,
        load: null,
      },
    });
    bus.publish(tps("a", 1));
    bus.publish(removed("x"));
    bus.publish(tps("b", 1));
    bus.publish(tps("a", 2));
    bus.publish(tps("a", 3));
    const events = await client.read();
    expect(
      events.map((e) => [e.id, e.event, e.event === "TpsUpdated" ? JSON.parse(e.data).model_id : ""]),
    ).toEqual([
      ["101", "EndpointRemoved", ""],
      ["102", "TpsUpdated", "b"],
      ["104", "TpsUpdated", "a"],
    ]);
    expect(JSON.parse(events[2]?.data ?? "{}")).toMatchObject({ request_count: 3, total_output_tokens: 15 });
    // The next window starts afresh; a replay has every other event and the newest state per key.
    bus.publish(tps("a", 4));
    expect((await client.read()).map((e) => e.id)).toEqual(["105"]);
    const replay = await open("99").read();
    expect(replay.map((e) => e.id)).toEqual(["101", "102", "105"]);
    expect(JSON.parse(replay[2]?.data ?? "{}")).toMatchObject({ model_id: "a", request_count: 4 });
  });

  it("sends a window's events in bus order, each run of finished requests as one RequestsCompleted with the newest id it covers", async () => {
    const { bus, open } = setup();
    const client = open();
    await client.read();
    bus.publish(completed("r1", 1_000));
    bus.publish(completed("r2", 1_002));
    bus.publish(removed("x"));
    bus.publish(completed("r3", 1_004));
    const events = await client.read();
    expect(events.map((event) => [event.id, event.event])).toEqual([
      ["101", "RequestsCompleted"],
      ["102", "EndpointRemoved"],
      ["103", "RequestsCompleted"],
    ]);
    expect(completedIds(events[0])).toEqual(["r1", "r2"]);
    expect(completedIds(events[2])).toEqual(["r3"]);
    // Resuming from a batch's id replays nothing it carried; from before it, every record again.
    bus.publish(completed("r4", 1_010));
    expect(completedIds((await open("103").read())[0])).toEqual(["r4"]);
    const replay = await open("99").read();
    expect(replay.map((event) => [event.id, event.event])).toEqual([
      ["101", "RequestsCompleted"],
      ["102", "EndpointRemoved"],
      ["104", "RequestsCompleted"],
    ]);
    expect(completedIds(replay[2])).toEqual(["r3", "r4"]);
  });

  it("never sends totals before a batch of requests they already count (the dashboard would count them twice)", async () => {
    const { bus, open } = setup();
    const client = open();
    await client.read();
    const metrics = (total: number) => ({
      type: "MetricsUpdated" as const,
      data: {
        total_requests: total,
        successful_requests: total,
        failed_requests: 0,
        total_output_tokens: total * 5,
        active_requests: 0,
        queued_requests: 0,
        online_endpoints: 1,
        total_endpoints: 1,
        average_response_time_ms: 100,
      },
    });
    bus.publish(completed("r1", 1_000));
    bus.publish(completed("r2", 1_002));
    bus.publish(metrics(2));
    bus.publish(completed("r3", 1_004));
    // What the dashboard does: MetricsUpdated sets the totals, each finished request adds one.
    let total = 0;
    for (const event of await client.read()) {
      if (event.event === "MetricsUpdated") total = JSON.parse(event.data).total_requests;
      if (event.event === "RequestsCompleted") total += completedIds(event).length;
    }
    expect(total).toBe(3);
  });

  it("replays exactly the missed events after Last-Event-ID, then continues live without duplicates", async () => {
    const { bus, open } = setup();
    const earlier = open();
    for (const name of ["a", "b", "c", "d", "e"]) bus.publish(removed(name));
    await earlier.reader.cancel(); // it saw up to 101 and dropped; nobody is connected now
    const client = open("101");
    bus.publish(removed("f"));
    const ids = (await client.read()).map((event) => event.id);
    expect(ids).toEqual(["102", "103", "104", "105"]);
  });

  it("keeps events for a client that left until the buffer has moved past what it saw, then none", async () => {
    const { bus, open } = setup({ replayCapacity: 3 });
    const earlier = open();
    bus.publish(removed("a")); // 100, the last event a client saw
    await earlier.reader.cancel();
    for (const name of ["b", "c", "d"]) bus.publish(removed(name)); // 101–103
    const back = open("100");
    expect((await back.read()).map((event) => event.id)).toEqual(["101", "102", "103"]);
    await back.reader.cancel(); // it saw 103
    bus.publish(removed("e")); // 104: still kept, a client that left may resume from 103
    bus.publish(removed("f")); // 105
    expect((await open("103").read()).map((event) => event.id)).toEqual(["104", "105"]);
  });

  it("keeps nothing for replay once no client that left could resume from the buffer", async () => {
    const { bus, open } = setup({ replayCapacity: 3 });
    const earlier = open();
    bus.publish(removed("a")); // 100
    await earlier.reader.cancel();
    for (const name of ["b", "c", "d", "e"]) bus.publish(removed(name)); // 101–104: 100 leaves the buffer
    bus.publish(removed("f")); // 105: nobody can resume from anything kept, so nothing is
    // Ids no client was connected to see: a reset, as for a client too far behind.
    expect((await open("104").read()).map((event) => event.event)).toEqual(["reset"]);
  });

  it("sends a reset carrying the current last id when the missed events left the buffer", async () => {
    const { bus, open } = setup({ replayCapacity: 3 });
    for (const name of ["a", "b", "c", "d", "e"]) bus.publish(removed(name));
    const client = open("100");
    const events = await client.read();
    expect(events).toEqual([
      { id: "104", event: "reset", data: '{"last_id":104,"reason":"too_far_behind"}' },
    ]);
    bus.publish(removed("f"));
    expect((await client.read()).map((event) => event.id)).toEqual(["105"]);
  });

  it("sends a reset for an id from a previous process or a malformed id", async () => {
    const { bus, open } = setup();
    bus.publish(removed("a"));
    const future = await open("999999").read();
    expect(future.map((event) => [event.event, JSON.parse(event.data).reason])).toEqual([
      ["reset", "unknown_id"],
    ]);
    const malformed = await open("abc").read();
    expect(malformed.map((event) => event.event)).toEqual(["reset"]);
  });

  it("resets instead of replaying more than a client's backlog bound", async () => {
    const { bus, open } = setup({ maxBacklogBytes: 200 });
    for (let i = 0; i < 10; i++) bus.publish(removed(`endpoint-${i}`));
    expect((await open("100").read()).map((event) => event.event)).toEqual(["reset"]);
  });

  it("disconnects a client that stops reading while the others keep receiving everything", async () => {
    const { bus, hub, open } = setup({ maxBacklogBytes: 4096 });
    const reader = open();
    const stalled = open();
    await stalled.read();
    const received: SseMessage[] = [];
    for (let i = 0; i < 200; i++) {
      bus.publish(removed(`endpoint-${i}`));
      if (i % 10 === 9) received.push(...(await reader.read()));
    }
    expect(received).toHaveLength(200);
    expect(received.map((event) => Number(event.id))).toEqual(Array.from({ length: 200 }, (_, i) => 100 + i));
    expect(hub.stats()).toEqual({ clients: 1, slowDisconnects: 1 });
    await expect(stalled.reader.read()).rejects.toThrow(/too far behind/);
  });

  it("coalesces the events of one window into a single write per client", async () => {
    const { bus, hub, timers } = setup();
    const reader = hub.connect(undefined, { logs: false }).getReader();
    await reader.read(); // the opening frame
    for (const name of ["a", "b", "c"]) bus.publish(removed(name));
    expect(timers.pending()).toBe(1);
    timers.advance(25);
    const chunk = await reader.read();
    const events = new SseParser().feed(new TextDecoder().decode(chunk.value));
    expect(events.map((event) => event.id)).toEqual(["100", "101", "102"]);
  });

  it("sends a window at once, before its timer, when it grows past a quarter of the backlog bound", async () => {
    const { bus, hub, timers } = setup({ maxBacklogBytes: 4096 });
    const reader = hub.connect(undefined, { logs: false }).getReader();
    await reader.read(); // the opening frame
    bus.publish(removed("small"));
    bus.publish(removed("x".repeat(1200)));
    const chunk = await reader.read(); // no timer advanced
    const events = new SseParser().feed(new TextDecoder().decode(chunk.value));
    expect(events.map((event) => event.id)).toEqual(["100", "101"]);
    timers.advance(25); // the window's timer finds nothing left to send
    bus.publish(removed("next"));
    timers.advance(25);
    const next = await reader.read();
    expect(new SseParser().feed(new TextDecoder().decode(next.value)).map((event) => event.id)).toEqual([
      "102",
    ]);
  });

  it("gives a client connecting while events await their flush each of them exactly once", async () => {
    const { bus, open } = setup();
    const early = open();
    await early.read();
    bus.publish(removed("a"));
    bus.publish(removed("b"));
    const late = open("100");
    bus.publish(removed("c"));
    expect((await early.read()).map((event) => event.id)).toEqual(["100", "101", "102"]);
    expect((await late.read()).map((event) => event.id)).toEqual(["101", "102"]);
  });

  it("forgets a client whose reader cancels (the connection closed)", async () => {
    const { hub, open } = setup();
    const client = open();
    expect(hub.stats().clients).toBe(1);
    await client.reader.cancel();
    expect(hub.stats().clients).toBe(0);
  });

  it("writes a heartbeat comment to every client", async () => {
    const { hub, open } = setup();
    const a = open();
    const b = open();
    hub.heartbeat();
    await a.read();
    await b.read();
    expect(a.parser.comments).toEqual(["connected", "heartbeat"]);
    expect(b.parser.comments).toEqual(["connected", "heartbeat"]);
  });

  it("ends every stream on closeAll", async () => {
    const { hub, open } = setup();
    const client = open();
    await client.read();
    hub.closeAll();
    expect(await client.reader.read()).toEqual({ done: true, value: undefined });
    expect(hub.stats().clients).toBe(0);
  });
});
