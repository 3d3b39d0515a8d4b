// Owns relaying proxied streams (SSE, audio) straight into Node's ServerResponse. Given the client's
// connection (ProxyCall.connection), the proxy's StreamReply writes the head and starts pumping the source
// into it at once, and returns a Response that stands for what was sent; without one it marks the Response
// it builds, and the Node entry's fetch, once the app has answered, hands a marked Response here to be
// written the same way. Either way @hono/node-server gets its RESPONSE_ALREADY_SENT.
// Measured reasons (Node): carrying every chunk through a web ReadableStream that node-server reads back
// (pull, enqueue and read promises per chunk) was ≈ 8 % of busy CPU streaming at c=50 (CPU profile), and
// node-server sent the head as a packet of its own before the first chunk. Starting at once takes the
// reply's way back through the proxy's and the middleware's async frames out of the time to first byte:
// ≈ 0.06 ms at c=1 (median of 200 streams timed inside the process), more under load, where more
// continuations queue. The builds before and after, interleaved on bench section 2's c=50 protocol (four
// runs): TTFT p50 3.83 → 2.73, 5.25 → 2.70, 3.07 → 2.16 and 2.30 → 2.31 ms; at c=1, paired medians −0.01
// and −0.06 ms. A Response that never reaches node-server's fetch hand-off unchanged (another middleware's,
// the Messages route's rebuilt error) is not marked and goes the usual way through its web stream.
import { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { StreamReply } from "../proxy/stream-reply.js";

type Source = UnderlyingDefaultSource<Uint8Array>;

interface Marked {
  source: Source;
  status: number;
  headers: Record<string, string>;
}

/**
 * Starts the source only when its web stream is first read (high-water mark 0 as well): a marked stream
 * that is written directly must not have been started by the ReadableStream's constructor.
 */
class StartOnFirstRead implements Source {
  private started = false;

  constructor(private readonly source: Source) {}

  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.source.start?.(controller);
    }
    await this.source.pull?.(controller);
  }

  cancel(reason?: unknown): void | PromiseLike<void> {
    return this.source.cancel?.(reason);
  }
}

export interface NodeStreamReplies {
  /**
   * RuntimeParts.streamReply: given an HTTP/1.1 connection whose head is still unsent, writes the stream to
   * it at once; otherwise a Response the Node entry's fetch recognises.
   */
  reply: StreamReply;
  /**
   * Writes a marked Response to `outgoing` and returns node-server's "already sent" (also for a stream
   * already being written); any other Response, or any connection but HTTP/1.1 (llmlb serves no other),
   * unchanged.
   */
  send(response: Response, outgoing: ServerResponse | Http2ServerResponse): Response;
}

export function nodeStreamReplies(): NodeStreamReplies {
  const marked = new WeakMap<Response, Marked>();
  /** Responses standing for a stream already being written to its connection. */
  const started = new WeakSet<Response>();
  return {
    reply(source, status, headers, connection) {
      if (connection instanceof ServerResponse && !connection.headersSent) {
        connection.writeHead(status, headers);
        void pump(source, connection);
        // No body of its own: the bytes go to the connection. It carries the status and headers for the
        // middleware on its way back (access log, request id).
        const response = new Response(null, { status, headers });
        started.add(response);
        return response;
      }
      const body = new ReadableStream(new StartOnFirstRead(source), { highWaterMark: 0 });
      const response = new Response(body, { status, headers });
      marked.set(response, { source, status, headers });
      return response;
    },
    send(response, outgoing) {
      if (!(outgoing instanceof ServerResponse)) return response;
      // node-server's own marker for "written by the handler": it writes nothing for it.
      if (started.has(response)) return RESPONSE_ALREADY_SENT;
      const stream = marked.get(response);
      if (!stream) return outgoing.headersSent ? replaced(response) : response;
      marked.delete(response);
      outgoing.writeHead(stream.status, stream.headers);
      void pump(stream.source, outgoing);
      return RESPONSE_ALREADY_SENT;
    },
  };
}

/**
 * Something replaced a stream's Response after its head was written (no route does): the connection keeps
 * the stream, the replacement is dropped.
 */
function replaced(response: Response): Response {
  void response.body?.cancel().catch(() => undefined);
  return RESPONSE_ALREADY_SENT;
}

/**
 * A controller over the connection with a web stream controller's rules: after close, error or the
 * client's leaving, enqueue and close throw (the sources rely on that to stop after cancel()).
 */
class ConnectionController {
  done = false;
  needsDrain = false;

  constructor(private readonly outgoing: ServerResponse) {}

  enqueue(chunk: Uint8Array): void {
    this.assertOpen();
    if (!this.outgoing.write(chunk)) this.needsDrain = true;
  }

  close(): void {
    this.assertOpen();
    this.done = true;
    this.outgoing.end();
  }

  error(reason?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.outgoing.destroy(reason instanceof Error ? reason : new Error(String(reason)));
  }

  private assertOpen(): void {
    if (this.done) throw new TypeError("Invalid state: the stream is already closed");
  }
}

/** Pulls the source into the connection, waiting for 'drain' when the socket's buffer is full. */
async function pump(source: Source, outgoing: ServerResponse): Promise<void> {
  const controller = new ConnectionController(outgoing);
  const asController = controller as unknown as ReadableStreamDefaultController<Uint8Array>;
  let wake: (() => void) | null = null;
  const resume = () => wake?.();
  outgoing.on("drain", resume);
  outgoing.once("close", () => {
    // Closed before the source finished: the client went away (node-server's rule for its own signal).
    if (!controller.done) {
      controller.done = true;
      void Promise.resolve(source.cancel?.()).catch(() => undefined);
    }
    resume();
  });
  try {
    const starting = source.start?.(asController);
    // Node corks a response's socket at its first write until the next tick, and when the stream starts
    // from inside the app that tick comes only after every continuation queued on the reply's way back
    // through it: the head and first chunk go out now instead.
    outgoing.uncork();
    await starting;
    while (!controller.done) {
      await source.pull?.(asController);
      if (controller.needsDrain && !controller.done && !outgoing.writableEnded) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        controller.needsDrain = false;
      }
    }
  } catch (error) {
    // Only a source that broke its own contract gets here: end the connection rather than hang it.
    if (!controller.done) controller.error(error);
  } finally {
    outgoing.off("drain", resume);
  }
}
