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
  /**
   * The whole body in one read (non-streamed answers), instead of chunk by chunk; read at most once, and
   * not together with `body`. Errors as for `body`; with the fetch client a whole body must arrive within
   * the idle timeout after the headers.
   */
  bytes(): Promise<Uint8Array>;
  /** Releases the connection without reading the rest of the body. */
  discard(): Promise<void>;
}

/** A body's chunks as one array (UpstreamResponse.bytes() of a response that has no faster way). */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
  }
  if (parts.length === 1) return parts[0] as Uint8Array;
  const whole = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
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
