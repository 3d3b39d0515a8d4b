// Owns relaying a non-SSE, non-JSON upstream answer (audio, plain-text transcripts) to the client as it
// arrives: chunk by chunk, nothing parsed or held; the exchange finished on the last byte. A failure after
// the first byte errors the client's body (a binary body has no error event); cancel releases the upstream.
import type { Exchange } from "./exchange.js";
import { classify } from "./outcome.js";

export class BytesSource implements UnderlyingDefaultSource<Uint8Array> {
  constructor(
    private readonly exchange: Pick<Exchange, "clientGone" | "finish">,
    private readonly upstream: AsyncIterator<Uint8Array>,
    /** The first chunk, read before committing to this endpoint. */
    private readonly head: Uint8Array,
    private readonly statusCode: number,
  ) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    controller.enqueue(this.head);
  }

  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await this.upstream.next();
    } catch (error) {
      const failure = classify(error, this.exchange.clientGone);
      if (failure.kind === "client_gone") {
        this.exchange.finish({ kind: "client_gone", status: this.statusCode });
        return;
      }
      controller.error(new Error(`The upstream failed after it started: ${failure.message}`));
      this.exchange.finish({ kind: "stream_failed", status: this.statusCode, failure });
      return;
    }
    if (next.done) {
      controller.close();
      this.exchange.finish({ kind: "answered", status: this.statusCode });
      return;
    }
    controller.enqueue(next.value);
  }

  cancel(): void {
    void this.upstream.return?.()?.catch(() => undefined);
    this.exchange.finish({ kind: "client_gone", status: this.statusCode });
  }
}
