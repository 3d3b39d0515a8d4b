// Owns the Node upstream client: undici request() over one keep-alive Agent (≈2.5× fetch() on Node 20).
import { Agent, errors, request } from "undici";
import { type UpstreamClient, UpstreamError, type UpstreamRequest, type UpstreamResponse } from "./types.js";

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function classify(error: unknown, signal: AbortSignal | undefined): UpstreamError {
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

async function* guardedBody(
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    throw classify(error, signal);
  }
}

export function createUndiciClient(options: { connections?: number } = {}): UpstreamClient {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: options.connections ?? 256,
    pipelining: 1,
  });
  return {
    async request(upstreamRequest: UpstreamRequest): Promise<UpstreamResponse> {
      const { signal } = upstreamRequest;
      try {
        const response = await request(upstreamRequest.url, {
          dispatcher: agent,
          method: upstreamRequest.method,
          headers: upstreamRequest.headers,
          // undici streams an async iterable body itself (chunked), pulling as the socket drains.
          body: upstreamRequest.body as string | Uint8Array | undefined,
          signal,
          headersTimeout: upstreamRequest.headersTimeoutMs ?? 0,
          bodyTimeout: upstreamRequest.bodyTimeoutMs ?? 0,
        });
        const body = response.body;
        return {
          status: response.statusCode,
          headers: flattenHeaders(response.headers),
          body: guardedBody(body, signal),
          text: () => body.text().catch((error: unknown) => Promise.reject(classify(error, signal))),
          json: () => body.json().catch((error: unknown) => Promise.reject(classify(error, signal))),
          discard: () =>
            body.dump().then(
              () => undefined,
              () => undefined,
            ),
        };
      } catch (error) {
        throw classify(error, signal);
      }
    },
    close: () => agent.close(),
  };
}
