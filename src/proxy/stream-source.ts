// Owns relaying an upstream SSE body to the client as a ReadableStream (hand-written: Readable.toWeb
// crashed Node 20 on client disconnect): chunk by chunk through the relay (and the route family's shaper),
// the exchange finished on the last byte, an error event on a mid-stream failure (never a retry after the
// first byte), the upstream released on cancel. Outcomes are classified and decided in outcome.ts.
import { errorBody } from "../errors.js";
import type { Exchange } from "./exchange.js";
import { classify, streamError } from "./outcome.js";
import type { StreamShaper } from "./proxy-request.js";
import type { SseRelay } from "./sse-relay.js";

export class StreamSource implements UnderlyingDefaultSource<Uint8Array> {
  constructor(
    private readonly exchange: Pick<Exchange, "clientGone" | "finish">,
    private readonly relay: SseRelay,
    private readonly upstream: AsyncIterator<Uint8Array>,
    /** Bytes already relayed from the first upstream chunk (read before committing to this endpoint). */
    private readonly head: Uint8Array | null,
    private readonly statusCode: number,
    /** The route family's shaper; null: the relayed bytes go to the client as they are. */
    private readonly shaper: StreamShaper | null = null,
  ) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const head = this.shaped(this.head);
    if (head) controller.enqueue(head);
  }

  /**
   * Enqueues at least one chunk (or ends the stream) per call: a pull that resolves without enqueuing is
   * never called again (WHATWG streams), and a partial line held back by the relay enqueues nothing —
   * workerd hands the body over in small pieces, so this loops until there is something to forward.
   */
  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    while (true) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await this.upstream.next();
      } catch (error) {
        this.fail(controller, error);
        return;
      }
      if (next.done) {
        const rest = finishShaped(this.relay, this.shaper);
        if (rest) controller.enqueue(rest);
        controller.close();
        this.exchange.finish({ kind: "answered", status: this.statusCode });
        return;
      }
      const out = this.shaped(this.relay.push(next.value));
      if (out) {
        controller.enqueue(out);
        return;
      }
    }
  }

  /**
   * The client went away mid-stream: record what was generated so far. The upstream request is aborted
   * by the client's request signal (every runtime fires it on disconnect); return() releases the body.
   */
  cancel(): void {
    void this.upstream.return?.()?.catch(() => undefined);
    this.exchange.finish({ kind: "client_gone", status: this.statusCode });
  }

  private shaped(bytes: Uint8Array | null): Uint8Array | null {
    return bytes && this.shaper ? this.shaper.push(bytes) : bytes;
  }

  private fail(controller: ReadableStreamDefaultController<Uint8Array>, error: unknown): void {
    const failure = classify(error, this.exchange.clientGone);
    if (failure.kind === "client_gone") {
      this.exchange.finish({ kind: "client_gone", status: this.statusCode });
      try {
        controller.close();
      } catch {
        // already cancelled by the consumer
      }
      return;
    }
    const error_ = streamError(failure);
    controller.enqueue(
      this.shaper ? this.shaper.error(error_) : this.relay.errorEvent(errorBody(error_).error),
    );
    controller.close();
    this.exchange.finish({ kind: "stream_failed", status: this.statusCode, failure });
  }
}

/** The upstream ended: what the relay held back, then what the shaper held back, as one chunk. */
export function finishShaped(relay: SseRelay, shaper: StreamShaper | null): Uint8Array | null {
  const rest = relay.finish();
  if (!shaper) return rest;
  const pushed = rest ? shaper.push(rest) : null;
  const tail = shaper.finish();
  if (!pushed) return tail;
  if (!tail) return pushed;
  const joined = new Uint8Array(pushed.length + tail.length);
  joined.set(pushed);
  joined.set(tail, pushed.length);
  return joined;
}
