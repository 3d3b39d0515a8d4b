import { afterEach, describe, expect, it, vi } from "vitest";
import { createCircuitBreakers } from "../../src/balancer/circuit-breaker.js";
import { AppError } from "../../src/errors.js";
import { type Admission, ClientGoneError, Dispatcher } from "../../src/proxy/dispatcher.js";
import type { EndpointRecord, ModelRoute } from "../../src/registry/types.js";
import { systemTimers } from "../../src/runtime/timers.js";

function route(id: string, maxConcurrency: number | null): ModelRoute {
  const endpoint = { id, name: id, latencyMs: 1, maxConcurrency } as EndpointRecord;
  return { endpoint, upstreamModelId: "m" };
}

function setup(routes: ModelRoute[], queueMax: number) {
  let now = 0;
  const circuits = createCircuitBreakers({ failureThreshold: 1, cooldownMs: 1000 });
  const dispatcher = new Dispatcher({
    mode: "least_connections",
    speeds: {
      speedOf: () => undefined,
      loadOf: () => undefined,
      measuredOf: () => undefined,
      typicalOutputTokens: () => null,
    },
    circuits,
    routesFor: () => routes,
    monotonic: () => now,
    now: () => now,
    random: () => 0,
    queueMax,
    queueTimeoutMs: 5_000,
    timers: systemTimers,
  });
  const admission = (signal: AbortSignal | null = null, only: string | null = null): Admission => ({
    model: "m",
    apiKind: "chat_completions",
    maxOutputTokens: 16,
    promptTokens: 10,
    priority: "interactive",
    fairKey: "",
    only,
    exclude: null,
    signal,
  });
  return { dispatcher, admission, circuits, advance: (ms: number) => (now += ms) };
}

const idOf = (value: unknown) => (value as ModelRoute | null)?.endpoint.id;

describe("dispatcher", () => {
  afterEach(() => vi.useRealTimers());

  it("counts in-flight per endpoint and in total", () => {
    const { dispatcher, admission } = setup([route("a", null), route("b", null)], 0);
    const first = dispatcher.acquire(admission());
    const second = dispatcher.acquire(admission());
    expect([idOf(first), idOf(second)].sort()).toEqual(["a", "b"]);
    expect(dispatcher.totalInFlight()).toBe(2);
    dispatcher.release("a");
    expect(dispatcher.inFlight("a")).toBe(0);
    expect(dispatcher.inFlight("b")).toBe(1);
    expect(dispatcher.totalInFlight()).toBe(1);
  });

  it("integrates each endpoint's load over time, so a request's mean concurrency can be read off two marks", () => {
    const { dispatcher, admission, advance } = setup([route("a", null)], 0);
    dispatcher.acquire(admission());
    const start = dispatcher.loadMark("a");
    advance(100); // 1 in flight for 100 ms
    dispatcher.acquire(admission());
    advance(100); // 2 in flight for 100 ms
    dispatcher.release("a");
    advance(100); // 1 in flight for 100 ms
    expect((dispatcher.loadMark("a") - start) / 300).toBeCloseTo(4 / 3, 6);
  });

  it("queued requests: interactive keys first, keys in turn; a full queue makes room for interactive", async () => {
    const { dispatcher, admission } = setup([route("a", 1)], 4);
    const as = (fairKey: string, priority: "interactive" | "batch") => ({
      ...admission(),
      fairKey,
      priority,
    });
    dispatcher.acquire(as("job", "batch"));
    const order: string[] = [];
    const wait = (label: string, fairKey: string, priority: "interactive" | "batch") =>
      (dispatcher.acquire(as(fairKey, priority)) as Promise<unknown>).then(
        () => order.push(label),
        (error: AppError) => order.push(`${label}:${error.code}`),
      );
    const waits = [
      wait("job1", "job", "batch"),
      wait("job2", "job", "batch"),
      wait("job3", "job", "batch"),
      wait("other1", "other", "batch"),
      wait("chat1", "team", "interactive"),
    ];
    expect(dispatcher.queued()).toBe(4);
    for (let i = 0; i < 4; i++) {
      dispatcher.release("a");
      await Promise.resolve();
    }
    dispatcher.release("a");
    await Promise.all(waits);
    // job3 (the newest waiter of the key with most waiting) gave its place to chat1.
    expect(order).toEqual(["job3:queue_full", "chat1", "job1", "other1", "job2"]);
  });

  it("max_concurrency 1 on two endpoints, queue of 1: two served, one queued then served, one 429", async () => {
    const { dispatcher, admission } = setup([route("a", 1), route("b", 1)], 1);
    const served = [dispatcher.acquire(admission()), dispatcher.acquire(admission())];
    expect(served.map(idOf).sort()).toEqual(["a", "b"]);
    const queued = dispatcher.acquire(admission());
    expect(queued).toBeInstanceOf(Promise);
    expect(dispatcher.queued()).toBe(1);
    const rejected = dispatcher.acquire(admission()) as Promise<unknown>;
    await expect(rejected).rejects.toMatchObject({
      kind: "rate_limited",
      code: "queue_full",
      retryAfterSecs: 1,
    });
    dispatcher.release("b");
    expect(idOf(await queued)).toBe("b");
    expect(dispatcher.queued()).toBe(0);
    expect(dispatcher.inFlight("b")).toBe(1);
  });

  it("a pinned request only takes its endpoint, and waits for it without holding up other requests", async () => {
    const { dispatcher, admission } = setup([route("a", 1), route("b", 2)], 5);
    expect(idOf(dispatcher.acquire(admission(null, "a")))).toBe("a");
    // a is full: a second request pinned to it queues, though b has room.
    const pinnedWaiter = dispatcher.acquire(admission(null, "a"));
    expect(pinnedWaiter).toBeInstanceOf(Promise);
    // Unpinned traffic is not queued behind it: b serves it at once.
    expect(idOf(dispatcher.acquire(admission()))).toBe("b");
    dispatcher.release("a");
    expect(idOf(await pinnedWaiter)).toBe("a");
    // A pinned request to an endpoint that does not serve the model gets no route.
    expect(dispatcher.acquire(admission(null, "c"))).toBeNull();
  });

  it("in the priority queue, pinned waiters whose endpoint is full are passed over, and users go before a run", async () => {
    const { dispatcher, admission } = setup([route("a", 1), route("b", 1)], 5);
    const as = (label: string, only: string | null, priority: "interactive" | "batch") => ({
      ...admission(null, only),
      fairKey: label,
      priority,
    });
    expect(idOf(dispatcher.acquire(as("bench", "a", "batch")))).toBe("a"); // a benchmark run on a
    expect(idOf(dispatcher.acquire(as("user", null, "interactive")))).toBe("b");
    const order: string[] = [];
    const wait = (label: string, only: string | null, priority: "interactive" | "batch") =>
      (dispatcher.acquire(as(label, only, priority)) as Promise<ModelRoute>).then((r) =>
        order.push(`${label}:${r.endpoint.id}`),
      );
    const waits = [
      wait("bench2", "a", "batch"), // the run's next request
      wait("chatA", "a", "interactive"), // a playground chat pinned to a: first in the queue's order
      wait("job", null, "batch"), // any endpoint will do
    ];
    expect(dispatcher.queued()).toBe(3);
    dispatcher.release("b"); // a is still full: both pinned waiters are passed over, job takes b
    await Promise.resolve();
    expect(order).toEqual(["job:b"]);
    dispatcher.release("a"); // the interactive chat gets a's next slot, ahead of the run
    await Promise.resolve();
    dispatcher.release("a");
    await Promise.all(waits);
    expect(order).toEqual(["job:b", "chatA:a", "bench2:a"]);
    expect(dispatcher.queued()).toBe(0);
  });

  it("answers 429 when the wait expires", async () => {
    vi.useFakeTimers();
    const { dispatcher, admission } = setup([route("a", 1)], 5);
    dispatcher.acquire(admission());
    const waiting = dispatcher.acquire(admission()) as Promise<unknown>;
    const outcome = waiting.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(5_001);
    const error = await outcome;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "queue_timeout" });
    expect(dispatcher.queued()).toBe(0);
  });

  it("drops a waiter whose client went away", async () => {
    const { dispatcher, admission } = setup([route("a", 1)], 5);
    dispatcher.acquire(admission());
    const controller = new AbortController();
    const waiting = dispatcher.acquire(admission(controller.signal)) as Promise<unknown>;
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(ClientGoneError);
    expect(dispatcher.queued()).toBe(0);
  });

  it("returns null when nothing can serve: all tried, or every circuit open", () => {
    const { dispatcher, admission, circuits } = setup([route("a", null)], 5);
    expect(dispatcher.acquire({ ...admission(), exclude: new Set(["a"]) })).toBeNull();
    circuits.onFailure("a", 0);
    expect(dispatcher.acquire(admission())).toBeNull();
  });

  it("gives a half-open endpoint a single trial request", () => {
    const { dispatcher, admission, circuits, advance } = setup([route("a", null)], 0);
    circuits.onFailure("a", 0);
    advance(1000);
    expect(idOf(dispatcher.acquire(admission()))).toBe("a");
    expect(dispatcher.acquire(admission())).toBeNull();
  });

  it("a waiter goes to an endpoint whose circuit cooldown ended, without waiting for a slot to free", async () => {
    vi.useFakeTimers();
    const { dispatcher, admission, circuits, advance } = setup([route("a", 1), route("b", 1)], 4);
    circuits.onFailure("b", 0);
    expect(idOf(dispatcher.acquire(admission()))).toBe("a");
    const waiting = dispatcher.acquire(admission());
    expect(dispatcher.queued()).toBe(1);
    dispatcher.wakeAfter(1000);
    advance(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(idOf(await waiting)).toBe("b");
    expect(dispatcher.inFlight("a")).toBe(1);
  });

  it("wake() serves a waiter once routing changed (here: a cap raised)", async () => {
    const routes = [route("a", 1)];
    const { dispatcher, admission } = setup(routes, 4);
    dispatcher.acquire(admission());
    const waiting = dispatcher.acquire(admission());
    routes[0] = route("a", 2);
    dispatcher.wake();
    expect(idOf(await waiting)).toBe("a");
    expect(dispatcher.inFlight("a")).toBe(2);
  });
});
