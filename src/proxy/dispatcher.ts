// Owns admission to endpoints: in-flight slots per endpoint (the LiveLoad), the routing call, circuit
// dispatch bookkeeping, and the bounded per-model FIFO wait queue used when every candidate is at its cap.
import type { CircuitBreakers } from "../balancer/circuit-breaker.js";
import { createRouter, type RouteRequest, type Router } from "../balancer/router.js";
import type { SpeedReader } from "../balancer/types.js";
import type { Timers } from "../clock.js";
import type { LoadBalancerMode } from "../config.js";
import { AppError } from "../errors.js";
import type { ApiKind } from "../events/types.js";
import type { ModelRoute } from "../registry/types.js";
import type { LiveLoad } from "./types.js";

export interface DispatcherOptions {
  mode: LoadBalancerMode;
  speeds: SpeedReader;
  circuits: CircuitBreakers;
  /** The registry's online routes for a model (read again whenever a waiter is retried). */
  routesFor(model: string): ModelRoute[];
  /** Monotonic ms (circuit cooldowns). */
  monotonic(): number;
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
  expectedOutputTokens: number;
  /** Endpoints already tried for this request. */
  exclude: Set<string> | null;
  /** The client's request signal: a waiter whose client left is dropped. */
  signal: AbortSignal | null;
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
  private total = 0;
  private waiting = 0;
  private readonly queues = new Map<string, Waiter[]>();
  private readonly router: Router;

  constructor(private readonly options: DispatcherOptions) {
    this.router = createRouter({
      mode: options.mode,
      speeds: options.speeds,
      inFlight: (id) => this.load.get(id) ?? 0,
      admits: (id) => options.circuits.admits(id, options.monotonic()),
      random: options.random,
    });
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
   * (none online, circuits open, all tried); waits in the model's FIFO when all are at their cap;
   * throws 429 when that queue is full or the wait expires, ClientGoneError when the client left.
   */
  acquire(admission: Admission): Promise<ModelRoute | null> | ModelRoute | null {
    const queue = this.queues.get(admission.model);
    if (queue && queue.length > 0) this.drain();
    if (!queue || queue.length === 0) {
      const choice = this.router.choose(this.routeRequest(admission));
      if (choice.kind === "route") return this.take(choice.route);
      if (choice.kind === "none") return null;
    }
    return this.enqueue(admission);
  }

  /** Frees a slot taken by acquire(); queued requests for any model get their chance. */
  release(endpointId: string): void {
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
    return {
      apiKind: admission.apiKind,
      expectedOutputTokens: admission.expectedOutputTokens,
      routes: this.options.routesFor(admission.model),
      exclude: admission.exclude,
    };
  }

  private take(route: ModelRoute): ModelRoute {
    const id = route.endpoint.id;
    this.load.set(id, (this.load.get(id) ?? 0) + 1);
    this.total += 1;
    this.options.circuits.onDispatch(id, this.options.monotonic());
    return route;
  }

  private enqueue(admission: Admission): Promise<ModelRoute | null> {
    let queue = this.queues.get(admission.model);
    if (!queue) {
      queue = [];
      this.queues.set(admission.model, queue);
    }
    if (queue.length >= this.options.queueMax) {
      return Promise.reject(
        new AppError(
          "rate_limited",
          `Every endpoint for '${admission.model}' is busy and the queue is full`,
          {
            code: "queue_full",
            retryAfterSecs: RETRY_AFTER_SECS,
          },
        ),
      );
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
      list.push(waiter);
      this.waiting += 1;
      admission.signal?.addEventListener("abort", waiter.onAbort, { once: true });
    });
  }

  private remove(queue: Waiter[], waiter: Waiter): void {
    const index = queue.indexOf(waiter);
    if (index < 0) return;
    queue.splice(index, 1);
    this.waiting -= 1;
    waiter.cancelTimeout();
    waiter.admission.signal?.removeEventListener("abort", waiter.onAbort);
  }

  /** Serves queue heads in FIFO order while their model has a free candidate. */
  private drain(): void {
    for (const queue of this.queues.values()) {
      while (queue.length > 0) {
        const head = queue[0] as Waiter;
        const choice = this.router.choose(this.routeRequest(head.admission));
        if (choice.kind === "saturated") break;
        this.remove(queue, head);
        head.resolve(choice.kind === "route" ? this.take(choice.route) : null);
      }
    }
  }
}
