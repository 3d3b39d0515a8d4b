// Owns admission to endpoints: in-flight slots per endpoint (the LiveLoad) and their load integral, the
// routing call, circuit dispatch bookkeeping, and the bounded per-model wait queue (interactive before
// batch, keys taking turns) used when every candidate is at its cap.
import type { CircuitBreakers } from "../balancer/circuit-breaker.js";
import { FairQueue, type Priority } from "../balancer/fair-queue.js";
import {
  createRouter,
  outputEstimate,
  type RouteChoice,
  type RouteRequest,
  type Router,
} from "../balancer/router.js";
import type { SpeedReader } from "../balancer/types.js";
import type { Timers } from "../clock.js";
import type { LoadBalancerMode } from "../config.js";
import { AppError } from "../errors.js";
import type { ApiKind } from "../events/types.js";
import type { ModelRoute } from "../registry/types.js";
import type { CancelSignal } from "../upstream/types.js";
import type { LiveLoad } from "./types.js";

export interface DispatcherOptions {
  mode: LoadBalancerMode;
  speeds: SpeedReader;
  circuits: CircuitBreakers;
  /** The registry's online routes for a model (read again whenever a waiter is retried). */
  routesFor(model: string): ModelRoute[];
  /** Monotonic ms (circuit cooldowns, the load integral). */
  monotonic(): number;
  /** Epoch ms (the clock of completion records, which the learned load profiles keep). */
  now(): number;
  random(): number;
  /** Waiters allowed per model (0: never wait). */
  queueMax: number;
  queueTimeoutMs: number;
  /** Queue timeouts and circuit-cooldown wake-ups (the dispatcher starts no timer of its own). */
  timers: Timers;
}

export interface Admission {
  model: string;
  apiKind: ApiKind;
  /** The request's own bound on output tokens (max_tokens or equivalent); null when unbounded. */
  maxOutputTokens: number | null;
  /** Prompt size, tokens (estimated). */
  promptTokens: number;
  /** Queue order: `interactive` waiters are served before `batch` ones (the API key's priority). */
  priority: Priority;
  /** Who is waiting (the API key id; "" without one): waiting keys take turns within a priority. */
  fairKey: string;
  /** Endpoints already tried for this request. */
  exclude: Set<string> | null;
  /** The client's request signal: a waiter whose client left is dropped. */
  signal: CancelSignal | null;
  /** Pinned to this endpoint (playground, benchmark): only it is a candidate. */
  only: string | null;
}

interface Waiter {
  admission: Admission;
  resolve(route: ModelRoute | null): void;
  reject(error: unknown): void;
  cancelTimeout: () => void;
  onAbort: () => void;
}

/** Seconds a client is told to wait after a 429 / 503. */
export const RETRY_AFTER_SECS = 1;

export class ClientGoneError extends Error {
  constructor() {
    super("client disconnected while waiting for an endpoint");
    this.name = "ClientGoneError";
  }
}

export class Dispatcher implements LiveLoad {
  private readonly load = new Map<string, number>();
  /** Per endpoint: ∫ requests in flight dt up to `at` (monotonic ms), request·ms. */
  private readonly area = new Map<string, { area: number; at: number }>();
  private total = 0;
  private waiting = 0;
  private readonly queues = new Map<string, FairQueue<Waiter>>();
  private readonly router: Router;

  constructor(private readonly options: DispatcherOptions) {
    this.router = createRouter({
      mode: options.mode,
      speeds: options.speeds,
      inFlight: (id) => this.load.get(id) ?? 0,
      admits: (id) => options.circuits.admits(id, options.monotonic()),
      random: options.random,
      now: options.now,
    });
  }

  /**
   * The endpoint's ∫ requests in flight dt so far, request·ms: the difference of two marks over the time
   * between them is the mean load in between (a request's own concurrency, itself included).
   */
  loadMark(endpointId: string): number {
    this.accumulate(endpointId);
    return this.area.get(endpointId)?.area ?? 0;
  }

  private accumulate(endpointId: string): void {
    const now = this.options.monotonic();
    const entry = this.area.get(endpointId);
    const load = this.load.get(endpointId) ?? 0;
    if (!entry) {
      this.area.set(endpointId, { area: 0, at: now });
      return;
    }
    entry.area += load * (now - entry.at);
    entry.at = now;
  }

  inFlight(endpointId: string): number {
    return this.load.get(endpointId) ?? 0;
  }

  totalInFlight(): number {
    return this.total;
  }

  queued(): number {
    return this.waiting;
  }

  /**
   * Takes an in-flight slot on the best candidate. Resolves null when no endpoint can serve the model
   * (none online, circuits open, all tried); waits in the model's queue when all are at their cap;
   * throws 429 when that queue is full or the wait expires, ClientGoneError when the client left.
   */
  acquire(admission: Admission): Promise<ModelRoute | null> | ModelRoute | null {
    const queue = this.queues.get(admission.model);
    if (queue && queue.size > 0) this.drain();
    if (!queue || !competesWithAny(queue, admission)) {
      const choice = this.router.choose(this.routeRequest(admission));
      if (choice.kind === "route") return this.take(choice.route);
      if (choice.kind === "none") return null;
    }
    return this.enqueue(admission);
  }

  /** Frees a slot taken by acquire(); queued requests for any model get their chance. */
  release(endpointId: string): void {
    this.accumulate(endpointId);
    const current = this.load.get(endpointId) ?? 0;
    if (current <= 1) this.load.delete(endpointId);
    else this.load.set(endpointId, current - 1);
    this.total -= 1;
    if (this.waiting > 0) this.drain();
  }

  /** Routing may have changed (an endpoint came online, was edited or removed): serve waiters that can go. */
  wake(): void {
    if (this.waiting > 0) this.drain();
  }

  /** Wakes the queue once `ms` have passed (a circuit that just opened admits its trial then). */
  wakeAfter(ms: number): void {
    this.options.timers.after(ms, () => this.wake(), { background: true });
  }

  private routeRequest(admission: Admission): RouteRequest {
    const typical = this.options.speeds.typicalOutputTokens(admission.model);
    return {
      apiKind: admission.apiKind,
      expectedOutputTokens: outputEstimate(admission.maxOutputTokens, typical),
      promptTokens: admission.promptTokens,
      routes: pinnedTo(this.options.routesFor(admission.model), admission.only),
      exclude: admission.exclude,
    };
  }

  private take(route: ModelRoute): ModelRoute {
    const id = route.endpoint.id;
    this.accumulate(id);
    this.load.set(id, (this.load.get(id) ?? 0) + 1);
    this.total += 1;
    this.options.circuits.onDispatch(id, this.options.monotonic());
    return route;
  }

  private enqueue(admission: Admission): Promise<ModelRoute | null> {
    let queue = this.queues.get(admission.model);
    if (!queue) {
      queue = new FairQueue<Waiter>();
      this.queues.set(admission.model, queue);
    }
    if (queue.size >= this.options.queueMax) {
      // Full: an interactive request takes the place of the newest batch waiter; otherwise it is refused.
      const displaced = queue.size > 0 ? queue.evictable(admission.priority) : undefined;
      if (!displaced) return Promise.reject(queueFull(admission.model));
      this.remove(queue, displaced);
      displaced.reject(queueFull(admission.model));
    }
    const list = queue;
    return new Promise<ModelRoute | null>((resolve, reject) => {
      const waiter: Waiter = {
        admission,
        resolve,
        reject,
        cancelTimeout: this.options.timers.after(this.options.queueTimeoutMs, () => {
          this.remove(list, waiter);
          reject(
            new AppError("rate_limited", `Timed out waiting for a free endpoint for '${admission.model}'`, {
              code: "queue_timeout",
              retryAfterSecs: RETRY_AFTER_SECS,
            }),
          );
        }),
        onAbort: () => {
          this.remove(list, waiter);
          reject(new ClientGoneError());
        },
      };
      list.push(waiter, admission.fairKey, admission.priority);
      this.waiting += 1;
      admission.signal?.addEventListener("abort", waiter.onAbort, { once: true });
    });
  }

  private remove(queue: FairQueue<Waiter>, waiter: Waiter): void {
    if (queue.remove(waiter)) this.forget(waiter);
  }

  /** The first waiter, in serving order, that a candidate is free for now, with the router's choice. */
  private servable(queue: FairQueue<Waiter>): { waiter: Waiter; choice: RouteChoice } | undefined {
    for (const waiter of queue.inOrder()) {
      const choice = this.router.choose(this.routeRequest(waiter.admission));
      if (choice.kind !== "saturated") return { waiter, choice };
      if (waiter.admission.only === null) return undefined;
    }
    return undefined;
  }

  /** A waiter left its queue: stop its timeout and abort listener. */
  private forget(waiter: Waiter): void {
    this.waiting -= 1;
    waiter.cancelTimeout();
    waiter.admission.signal?.removeEventListener("abort", waiter.onAbort);
  }

  /**
   * Serves each model's queue in its order (interactive first, keys in turn) while a candidate is free.
   * A pinned waiter whose endpoint is full is passed over, so it never holds up a request that another
   * endpoint could serve; an unpinned waiter that cannot go ends the pass (all its candidates are full).
   */
  private drain(): void {
    for (const queue of this.queues.values()) {
      for (let next = this.servable(queue); next; next = this.servable(queue)) {
        queue.take(next.waiter); // out of turn only when pinned waiters ahead of it are blocked
        this.forget(next.waiter);
        next.waiter.resolve(next.choice.kind === "route" ? this.take(next.choice.route) : null);
      }
    }
  }
}

/** Whether the new request must wait behind someone: any unpinned waiter, or one pinned to its endpoint. */
function competesWithAny(queue: FairQueue<Waiter>, incoming: Admission): boolean {
  for (const waiter of queue.inOrder()) {
    if (waiter.admission.only === null || waiter.admission.only === incoming.only) return true;
  }
  return false;
}

function pinnedTo(routes: ModelRoute[], only: string | null): ModelRoute[] {
  return only === null ? routes : routes.filter((route) => route.endpoint.id === only);
}

function queueFull(model: string): AppError {
  return new AppError("rate_limited", `Every endpoint for '${model}' is busy and the queue is full`, {
    code: "queue_full",
    retryAfterSecs: RETRY_AFTER_SECS,
  });
}
