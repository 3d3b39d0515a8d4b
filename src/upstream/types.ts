// Owns the upstream HTTP client contract: one interface, implemented per runtime (undici on Node, fetch elsewhere).

/**
 * What a caller's cancellation must offer (the client's request going away): an AbortSignal satisfies it,
 * and so does the lighter one Node requests get (src/http/client-signal.ts).
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface UpstreamRequest {
  method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
  url: string;
  /** Lower-case header names. */
  headers?: Record<string, string>;
  /** An async iterable is streamed (chunked) and read at most once. */
  body?: string | Uint8Array | AsyncIterable<Uint8Array>;
  signal?: CancelSignal;
  /** Max wait from sending the request to the response headers, ms (0 = none). */
  headersTimeoutMs?: number;
  /** Max idle time between two body chunks, ms (0 = none) — never a deadline over the whole body. */
  bodyTimeoutMs?: number;
}

/** A body streamed chunk by chunk (an upload), as opposed to one already held whole. */
export function isStreamedBody(body: UpstreamRequest["body"]): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

export interface UpstreamResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body, chunk by chunk as it arrives; read at most once. */
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** Releases the connection without reading the rest of the body. */
  discard(): Promise<void>;
}

export interface UpstreamClient {
  request(request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/** connect: no connection / reset; timeout: headers or idle timeout; aborted: the caller's signal fired. */
export type UpstreamErrorKind = "connect" | "timeout" | "aborted";

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "UpstreamError";
  }
}
