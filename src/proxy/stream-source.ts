// Owns relaying an upstream SSE body to the client as a ReadableStream (hand-written: Readable.toWeb
// crashed Node 20 on client disconnect): chunk by chunk, the exchange ended on the last byte, an error
// event on a mid-stream failure (never a retry after the first byte), the upstream aborted on cancel.
import { UpstreamError } from "../upstream/types.js";
import type { Exchange } from "./exchange.js";
import type { SseRelay } from "./sse-relay.js";

export class StreamSource implements UnderlyingDefaultSource<Uint8Array> {
  constructor(
    private readonly exchange: Exchange,
    private readonly relay: SseRelay,
    private readonly upstream: AsyncIterator<Uint8Array>,
    /** Bytes already relayed from the first upstream chunk (read before committing to this endpoint). */
    private readonly head: Uint8Array | null,
    private readonly statusCode: number,
  ) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (this.head) controller.enqueue(this.head);
  }

  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await this.upstream.next();
    } catch (error) {
      this.fail(controller, error);
      return;
    }
    if (next.done) {
      const rest = this.relay.finish();
      if (rest) controller.enqueue(rest);
      controller.close();
      this.exchange.end({ statusCode: this.statusCode, error: null, verdict: "success" });
      return;
    }
    const out = this.relay.push(next.value);
    if (out) controller.enqueue(out);
  }

  /**
   * The client went away mid-stream: record what was generated so far. The upstream request is aborted
   * by the client's request signal (every runtime fires it on disconnect); return() releases the body.
   */
  cancel(): void {
    void this.upstream.return?.()?.catch(() => undefined);
    this.exchange.end({ statusCode: this.statusCode, error: "client disconnected", verdict: "neutral" });
  }

  private fail(controller: ReadableStreamDefaultController<Uint8Array>, error: unknown): void {
    if (this.exchange.clientGone || (error instanceof UpstreamError && error.kind === "aborted")) {
      this.exchange.end({ statusCode: this.statusCode, error: "client disconnected", verdict: "neutral" });
      try {
        controller.close();
      } catch {
        // already cancelled by the consumer
      }
      return;
    }
    const timeout = error instanceof UpstreamError && error.kind === "timeout";
    const message = error instanceof Error ? error.message : String(error);
    controller.enqueue(
      this.relay.errorEvent({
        message: `The upstream stream failed after it started: ${message}`,
        type: timeout ? "timeout_error" : "upstream_error",
        code: timeout ? "upstream_timeout" : "upstream_stream_error",
      }),
    );
    controller.close();
    this.exchange.end({ statusCode: this.statusCode, error: message, verdict: "failure" });
  }
}
