// Owns the proxy's view of the client's connection: on Node the connection itself (a relayed stream is
// written to it directly, src/runtime/node-stream-reply.ts), and "the client went away" as a cancellation
// signal for inference requests. On Node that signal is a small object driven by the response's `close`
// event instead of the web Request's AbortSignal: @hono/node-server builds that signal (an AbortController,
// Node's EventTarget machinery) on first access, and with the listeners the proxy and undici add it was
// ≈ 3 % of Node's busy CPU per proxied request (bench section 3 profile). Elsewhere (Bun, Workers) it is
// the standard Request signal.
import type { Context } from "hono";
import type { ClientConnection } from "../proxy/stream-reply.js";
import type { CancelSignal } from "../upstream/types.js";

/** The part of Node's ServerResponse used here (duck-typed: this module imports nothing from Node). */
interface NodeOutgoing {
  readonly writableFinished: boolean;
  once(event: "close", listener: () => void): unknown;
}

/** Aborted when the response closes before it finished: the client disconnected (what node-server does). */
class ResponseClosedSignal implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  constructor(outgoing: NodeOutgoing) {
    outgoing.once("close", () => {
      if (!outgoing.writableFinished) this.abort();
    });
  }

  addEventListener(_type: "abort", listener: () => void): void {
    // Listeners are called at most once: abort happens once (`once` needs no bookkeeping).
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
  }

  private abort(): void {
    this.aborted = true;
    this.reason = new Error("Client connection prematurely closed.");
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}

function nodeOutgoing(c: Context): NodeOutgoing | null {
  const outgoing = (c.env as { outgoing?: Partial<NodeOutgoing> } | undefined)?.outgoing;
  return outgoing && typeof outgoing.once === "function" ? (outgoing as NodeOutgoing) : null;
}

/**
 * The client's connection, for a relayed stream written to it directly (ProxyCall.connection): Node's
 * ServerResponse; undefined elsewhere.
 */
export function clientConnection(c: Context): ClientConnection | undefined {
  return nodeOutgoing(c) ?? undefined;
}

/** The signal that fires when this request's client goes away. */
export function clientSignal(c: Context): CancelSignal {
  const outgoing = nodeOutgoing(c);
  return outgoing ? new ResponseClosedSignal(outgoing) : c.req.raw.signal;
}
