// Owns the Node upstream client: undici request() over one keep-alive Agent (≈2.5× fetch() on Node 20).
import type { Readable } from "node:stream";
// The three modules this client uses, not undici's index, which also loads fetch, WebSocket, EventSource,
// caches and mocks: importing the index was ≈ 14 % of a restart's CPU (profile of `node dist/server.js`
// to /ready). Their types are undici's own (undici-modules.d.ts).
import request from "undici/lib/api/api-request.js";
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
 * undici's body (a Node Readable) as a one-shot async iterator, its errors classified. Hand-written instead
 * of `for await` over the Readable inside an async generator: that was two promise hops and a generator
 * frame per chunk (the bench CPU profile, Node, streaming c=50); here a chunk that has already arrived is
 * handed over at once and a reader that waits costs one promise. Listeners attach on the first next(), so
 * text()/json()/dump() still see the whole body when the iterator is never used.
 */
class BodyChunks implements AsyncIterableIterator<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private started = false;
  private ended = false;
  private failure: UpstreamError | null = null;
  private waiting: {
    resolve: (result: IteratorResult<Uint8Array>) => void;
    reject: (error: unknown) => void;
  } | null = null;

  constructor(
    private readonly body: Readable,
    private readonly signal: CancelSignal | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (!this.started) this.start();
    const chunk = this.queue.shift();
    if (chunk) {
      this.queuedBytes -= chunk.length;
      if (this.body.isPaused() && this.queuedBytes < PAUSE_AT_BYTES / 4) this.body.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /**
   * The reader stops early: the body is destroyed (undici releases or closes its connection). A read still
   * pending (a stream cancelled while its pull waits) fails as `aborted`, i.e. the client went away.
   */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.ended = true;
    this.queue.length = 0;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(new UpstreamError("aborted", "the body was released before its end"));
    this.body.destroy();
    return Promise.resolve({ done: true, value: undefined });
  }

  private start(): void {
    this.started = true;
    this.body.on("data", (chunk: Uint8Array) => {
      const waiting = this.waiting;
      if (waiting) {
        this.waiting = null;
        waiting.resolve({ done: false, value: chunk });
        return;
      }
      this.queue.push(chunk);
      this.queuedBytes += chunk.length;
      if (this.queuedBytes >= PAUSE_AT_BYTES) this.body.pause();
    });
    this.body.on("end", () => this.settle(null));
    this.body.on("error", (error: unknown) => {
      if (!this.over()) this.settle(classify(error, this.signal));
    });
    // Destroyed without an error or an end: cut short, as `for await` over the Readable would report it.
    // (Checked first: every body closes, and building an Error per request showed in the profile.)
    this.body.on("close", () => {
      if (!this.over()) this.settle(classify(new Error("Premature close"), this.signal));
    });
  }

  private over(): boolean {
    return this.ended || this.failure !== null;
  }

  /** The body ended (failure null) or failed; the first outcome wins. Queued chunks are still handed over. */
  private settle(failure: UpstreamError | null): void {
    if (this.over()) return;
    if (failure) this.failure = failure;
    else this.ended = true;
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = null;
    if (failure) waiting.reject(failure);
    else waiting.resolve({ done: true, value: undefined });
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
    async request(upstreamRequest: UpstreamRequest): Promise<UpstreamResponse> {
      const { signal, body: requestBody } = upstreamRequest;
      const streamedBody = isStreamedBody(requestBody);
      try {
        const { origin, path } = originAndPath(parsedUrls, upstreamRequest.url);
        const response = await request.call(agent, {
          origin,
          path,
          method: upstreamRequest.method,
          headers: upstreamRequest.headers,
          // undici streams an async iterable body itself (chunked), pulling as the socket drains.
          body: (streamedBody ? counted(requestBody, hint.streamed) : requestBody) as
            | string
            | Uint8Array
            | undefined,
          signal,
          headersTimeout: upstreamRequest.headersTimeoutMs ?? 0,
          bodyTimeout: upstreamRequest.bodyTimeoutMs ?? 0,
        });
        const body = response.body;
        // The answer's stream closes however it is consumed (read, discarded, destroyed): the exchange is over.
        if (streamedBody) body.once("close", hint.exchangeDone);
        return {
          status: response.statusCode,
          headers: flattenHeaders(response.headers),
          body: new BodyChunks(body, signal),
          text: () => body.text().catch((error: unknown) => Promise.reject(classify(error, signal))),
          json: () => body.json().catch((error: unknown) => Promise.reject(classify(error, signal))),
          // undici's own whole read (its bodyTimeout still applies between chunks).
          bytes: () => body.bytes().catch((error: unknown) => Promise.reject(classify(error, signal))),
          discard: () =>
            body.dump().then(
              () => undefined,
              () => undefined,
            ),
        };
      } catch (error) {
        if (streamedBody) hint.exchangeDone();
        throw classify(error, signal);
      }
    },
    close: () => agent.close(),
  };
}
