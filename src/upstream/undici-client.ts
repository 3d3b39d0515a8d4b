// Owns the Node upstream client: undici's dispatch() over one keep-alive Agent, with a handler of our own
// (request() over the same Agent was ≈2.5× fetch() on Node 20; dispatch() served 3–23 % more requests
// again, median 14 %, in five interleaved A/B runs: README, Performance).
import type { Dispatcher } from "undici";
// The two modules this client uses, not undici's index, which also loads fetch, WebSocket, EventSource,
// caches and mocks: importing the index was ≈ 14 % of a restart's CPU (profile of `node dist/server.js`
// to /ready). Their types are undici's own (undici-modules.d.ts).
import errors from "undici/lib/core/errors.js";
import Agent from "undici/lib/dispatcher/agent.js";
import { garbageHint } from "./garbage-hint.js";
import {
  type CancelSignal,
  isStreamedBody,
  type UpstreamClient,
  UpstreamError,
  type UpstreamRequest,
  type UpstreamResponse,
} from "./types.js";

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function classify(error: unknown, signal: CancelSignal | undefined): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal?.aborted) return new UpstreamError("aborted", "request aborted by the client", { cause: error });
  if (error instanceof errors.HeadersTimeoutError) {
    return new UpstreamError("timeout", "upstream sent no response headers in time", { cause: error });
  }
  if (error instanceof errors.BodyTimeoutError) {
    return new UpstreamError("timeout", "upstream stalled between chunks", { cause: error });
  }
  if (error instanceof errors.ConnectTimeoutError) {
    return new UpstreamError("timeout", "connecting to the upstream timed out", { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError("connect", `upstream connection failed: ${message}`, { cause: error });
}

/** Queued bytes at which the body is paused until the reader catches up (then resumed below a quarter). */
const PAUSE_AT_BYTES = 64 * 1024;

/**
 * Bytes a discarded body may still read to keep its connection for the next request; past them the
 * exchange is aborted and the connection closed (undici's dump() limit, which discard() used before).
 */
const DISCARD_READ_BYTES = 128 * 1024;

/** The part of undici's dispatch controller a body uses: flow control, and abort to give the exchange up. */
type FlowControl = Pick<Dispatcher.DispatchController, "pause" | "resume" | "paused" | "abort">;

/** The body's chunks (Buffers from undici) as one buffer. */
function joined(chunks: Uint8Array[], length: number): Buffer {
  if (chunks.length === 1) return chunks[0] as Buffer;
  return Buffer.concat(chunks, length);
}

/** The bytes as UTF-8 text, a leading byte order mark skipped (as undici's body.text()). */
function utf8Text(bytes: Buffer): string {
  const start = bytes.length > 2 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString("utf8", start);
}

/**
 * An answer's body, fed straight by undici's dispatch callbacks (Exchange below): a one-shot async
 * iterator, or one whole read, or a discard. No Node Readable in between: undici's request() wraps every
 * body in one, and its stream machinery (megamorphic call sites shared with every other stream in the
 * process) cost 5–38 µs of main-thread CPU per request (median 27 µs in five interleaved A/B runs at
 * c=50), of the ≈ 80 µs llmlb's main thread spent above a bare proxy (perf; README, Performance). A chunk
 * that has already arrived is handed over at once and a reader that waits costs one promise; chunks that
 * arrive before a reader chooses wait in the queue, which pauses the upstream at PAUSE_AT_BYTES.
 */
class ResponseBody implements AsyncIterableIterator<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  /** A whole read or a discard is under way: nothing pauses the upstream any more. */
  private draining = false;
  private discarding = false;
  private ended = false;
  private failure: UpstreamError | null = null;
  private waiting: {
    resolve: (result: IteratorResult<Uint8Array>) => void;
    reject: (error: unknown) => void;
  } | null = null;
  private onOver: (() => void) | null = null;

  constructor(private readonly flow: FlowControl) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.queue.shift();
    if (chunk) {
      this.queuedBytes -= chunk.length;
      if (this.flow.paused && this.queuedBytes < PAUSE_AT_BYTES / 4) this.flow.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /**
   * The reader stops early: the exchange is aborted (undici closes its connection). A read still pending
   * (a stream cancelled while its pull waits) fails as `aborted`, i.e. the client went away.
   */
  return(): Promise<IteratorResult<Uint8Array>> {
    const released = new UpstreamError("aborted", "the body was released before its end");
    const waiting = this.waiting;
    this.waiting = null;
    this.queue.length = 0;
    if (!this.over()) {
      this.ended = true;
      this.flow.abort(released);
    }
    waiting?.reject(released);
    return Promise.resolve({ done: true, value: undefined });
  }

  /** The whole body in one buffer once it has ended; never pauses the upstream. */
  async bytes(): Promise<Buffer> {
    this.draining = true;
    if (this.flow.paused) this.flow.resume();
    await this.whenOver();
    if (this.failure) throw this.failure;
    const whole = joined(this.queue, this.queuedBytes);
    this.queue.length = 0;
    this.queuedBytes = 0;
    return whole;
  }

  async text(): Promise<string> {
    return utf8Text(await this.bytes());
  }

  /** Reads the rest into nothing, up to DISCARD_READ_BYTES (then aborts); never fails. */
  discard(): Promise<void> {
    this.queue.length = 0;
    if (this.over()) {
      this.queuedBytes = 0;
      return Promise.resolve();
    }
    this.draining = true;
    this.discarding = true;
    this.readIntoNothing(0); // what was queued counts as read
    if (!this.over() && this.flow.paused) this.flow.resume();
    return this.whenOver();
  }

  /** A chunk from undici (onResponseData). */
  push(chunk: Uint8Array): void {
    if (this.over()) return;
    if (this.discarding) {
      this.readIntoNothing(chunk.length);
      return;
    }
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      waiting.resolve({ done: false, value: chunk });
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (!this.draining && this.queuedBytes >= PAUSE_AT_BYTES) this.flow.pause();
  }

  /** The body ended (failure null) or failed; the first outcome wins. Queued chunks are still handed over. */
  settle(failure: UpstreamError | null): void {
    if (this.over()) return;
    if (failure) this.failure = failure;
    else this.ended = true;
    if (this.discarding) this.queuedBytes = 0;
    this.onOver?.();
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = null;
    if (failure) waiting.reject(failure);
    else waiting.resolve({ done: true, value: undefined });
  }

  private over(): boolean {
    return this.ended || this.failure !== null;
  }

  /** While discarding, queuedBytes counts what was read; past DISCARD_READ_BYTES the exchange is aborted. */
  private readIntoNothing(bytes: number): void {
    this.queuedBytes += bytes;
    if (this.queuedBytes > DISCARD_READ_BYTES)
      this.flow.abort(new UpstreamError("aborted", "the body was discarded"));
  }

  private whenOver(): Promise<void> {
    if (this.over()) return Promise.resolve();
    return new Promise((resolve) => {
      this.onOver = resolve;
    });
  }
}

/** The final answer's head and its body, as the dispatch handler hands them over. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: ResponseBody;
}

/**
 * One request's dispatch handler (undici's handler interface, which `agent.dispatch` drives): resolves
 * with the status and headers of the final answer (1xx skipped), then feeds the body. The caller's signal
 * aborts the exchange; aborted before undici has started it, the request fails at once and undici drops
 * it when it starts. `finish` runs once, whichever way the exchange ends.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private body: ResponseBody | null = null;
  private abortedEarly: UpstreamError | null = null;
  private finished = false;

  constructor(
    private readonly signal: CancelSignal | undefined,
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (error: UpstreamError) => void,
    private readonly finish: () => void,
  ) {
    signal?.addEventListener("abort", this.onAbort);
  }

  private readonly onAbort = (): void => {
    const aborted = new UpstreamError("aborted", "request aborted by the client", {
      cause: this.signal?.reason,
    });
    if (this.controller) {
      this.controller.abort(aborted);
      return;
    }
    this.abortedEarly = aborted;
    this.reject(aborted);
    this.end();
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortedEarly) controller.abort(this.abortedEarly);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 100 Continue, 103 Early Hints: the answer is still to come
    this.body = new ResponseBody(controller);
    this.resolve({ status: statusCode, headers: flattenHeaders(headers), body: this.body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Uint8Array): void {
    this.body?.push(chunk);
  }

  onResponseEnd(): void {
    this.body?.settle(null);
    this.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    const failure = classify(error, this.signal);
    if (this.body) this.body.settle(failure);
    else this.reject(failure);
    this.end();
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    this.signal?.removeEventListener("abort", this.onAbort);
    this.finish();
  }
}

/** A streamed body handed to undici as is, `streamed` told the size of each chunk as undici pulls it. */
async function* counted(
  body: AsyncIterable<Uint8Array>,
  streamed: (bytes: number) => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    streamed(chunk.byteLength);
    yield chunk;
  }
}

/** The answer as the client contract has it; whole reads fail as the body does (UpstreamError). */
function wholeReads(answer: Answer): UpstreamResponse {
  const { body } = answer;
  return {
    status: answer.status,
    headers: answer.headers,
    body,
    bytes: () => body.bytes(),
    text: () => body.text(),
    // A body that is not JSON fails with JSON.parse's SyntaxError, as in the fetch client.
    json: () => body.text().then((text) => JSON.parse(text) as unknown),
    discard: () => body.discard(),
  };
}

export interface UndiciClientOptions {
  connections?: number;
  /**
   * Asks Node to collect garbage soon (src/runtime/node-gc.ts), under the rule of src/upstream/garbage-hint.ts:
   * once an exchange that streamed a large request body (an upload) is over — its answer read, discarded or
   * failed — never in mid-stream.
   */
  collectGarbage?: () => void;
}

/**
 * How many upstream URLs keep their parsed origin and path. Upstream URLs are an endpoint's base URL plus an
 * API path, so there are few; past this many distinct ones the cache starts over.
 */
const PARSED_URLS_KEPT = 256;

/**
 * The origin and path of an upstream URL, parsed once per distinct URL: `new URL()` for every request was
 * 0.9 % of Node's busy CPU samples at c=50 (bench section 1 profile); a hit costs a Map lookup. Throws
 * for an invalid URL, as `new URL()` does.
 */
function originAndPath(
  parsed: Map<string, { origin: string; path: string }>,
  url: string,
): { origin: string; path: string } {
  const known = parsed.get(url);
  if (known) return known;
  const { origin, pathname, search } = new URL(url);
  const fresh = { origin, path: pathname + search };
  if (parsed.size >= PARSED_URLS_KEPT) parsed.clear();
  parsed.set(url, fresh);
  return fresh;
}

export function createUndiciClient(options: UndiciClientOptions = {}): UpstreamClient {
  const hint = garbageHint(options.collectGarbage);
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: options.connections ?? 256,
    pipelining: 1,
  });
  const parsedUrls = new Map<string, { origin: string; path: string }>();
  return {
    request(upstreamRequest: UpstreamRequest): Promise<UpstreamResponse> {
      const { signal, body: requestBody } = upstreamRequest;
      const streamedBody = isStreamedBody(requestBody);
      const exchangeDone = streamedBody ? hint.exchangeDone : () => undefined;
      if (signal?.aborted) {
        exchangeDone();
        return Promise.reject(
          new UpstreamError("aborted", "request aborted by the client", { cause: signal.reason }),
        );
      }
      return new Promise<UpstreamResponse>((resolve, reject) => {
        const exchange = new Exchange(signal, (answer) => resolve(wholeReads(answer)), reject, exchangeDone);
        try {
          const { origin, path } = originAndPath(parsedUrls, upstreamRequest.url);
          agent.dispatch(
            {
              origin,
              path,
              method: upstreamRequest.method,
              headers: upstreamRequest.headers,
              // undici streams an async iterable body itself (chunked), pulling as the socket drains.
              body: (streamedBody ? counted(requestBody, hint.streamed) : requestBody) as
                | string
                | Uint8Array
                | undefined,
              headersTimeout: upstreamRequest.headersTimeoutMs ?? 0,
              bodyTimeout: upstreamRequest.bodyTimeoutMs ?? 0,
            },
            exchange,
          );
        } catch (error) {
          exchange.onResponseError(undefined, error as Error);
        }
      });
    },
    close: () => agent.close(),
  };
}
