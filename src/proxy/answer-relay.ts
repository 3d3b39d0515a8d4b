// Owns relaying one upstream answer that an attempt keeps to the client: a stream (SseRelay, StreamSource),
// bytes (BytesSource) or a whole body (metered, shaped, its model renamed back). Until its first byte is
// read a failure can still fail over (Retry); service.ts decides what to do with that.
import type { AppError } from "../errors.js";
import type { ModelRoute } from "../registry/types.js";
import type { UpstreamResponse } from "../upstream/types.js";
import { BytesSource } from "./bytes-source.js";
import type { Exchange } from "./exchange.js";
import { classify, type Failure, type Outcome } from "./outcome.js";
import { clientHeaders, injectsUsage, type ResponseShaper } from "./proxy-request.js";
import { modelRewriter, SseRelay } from "./sse-relay.js";
import type { StreamReply } from "./stream-reply.js";
import { finishShaped, StreamSource } from "./stream-source.js";

/** What forwarding came to: the client's reply, and the outcome unless a stream still runs (it reports its own). */
export interface Settled {
  reply: Response | AppError;
  outcome: Outcome | null;
}

/** An attempt that did not answer: retry elsewhere unless the client is gone (or its upload failed). */
export interface Retry {
  failure: Failure;
  /** The client's own upload failed (too large, cut short): its error, never an endpoint's. */
  rejected?: AppError;
}

/** Kinds whose non-JSON answers (audio, plain-text transcripts) stream back as they are. */
const MEDIA_KINDS = new Set(["audio_transcriptions", "audio_speech", "images"]);

const encoder = new TextEncoder();
/** Shared: a non-streaming decode keeps no state (a new TextDecoder per answer showed in the profile). */
const decoder = new TextDecoder();

/** An answer the attempt keeps (status below 500, not a redirect): as a stream, as bytes, or whole. */
export function relayAnswer(
  streamReply: StreamReply,
  exchange: Exchange,
  route: ModelRoute,
  response: UpstreamResponse,
  shape: ResponseShaper | undefined,
): Promise<Settled | Retry> {
  const status = response.status;
  const contentType = response.headers["content-type"] ?? "";
  if (status < 400 && contentType.includes("text/event-stream")) {
    return relayStream(streamReply, exchange, route, response, shape);
  }
  if (status < 400 && MEDIA_KINDS.has(exchange.call.apiKind) && !contentType.includes("json")) {
    return relayBytes(streamReply, exchange, response);
  }
  return relayWhole(exchange, route, response, shape);
}

/** A failed attempt: classified once; the endpoint's slot is freed unless the client left (recorded as held). */
export function abandon(exchange: Exchange, error: unknown): Retry {
  const uploadError = exchange.call.upload?.clientError;
  if (uploadError) {
    const failure: Failure = { kind: "client_gone", message: uploadError.message };
    exchange.abandonAttempt(failure);
    return { failure, rejected: uploadError };
  }
  const failure = classify(error, exchange.clientGone);
  if (failure.kind !== "client_gone") exchange.abandonAttempt(failure);
  return { failure };
}

/** A whole body: nothing has reached the client yet, so a read failure can still fail over. */
async function relayWhole(
  exchange: Exchange,
  route: ModelRoute,
  response: UpstreamResponse,
  shape: ResponseShaper | undefined,
): Promise<Settled | Retry> {
  const call = exchange.call;
  let body: Uint8Array;
  try {
    body = await readAll(response, exchange);
  } catch (error) {
    return abandon(exchange, error);
  }
  const status = response.status;
  // The upstream's own client error is relayed unchanged (or shaped); an answer is metered, then shaped or
  // its model renamed back.
  const outcome: Outcome = status >= 400 ? { kind: "refused", status } : { kind: "answered", status };
  if (outcome.kind === "answered") body = meterWhole(exchange, route, { body, status }, shape);
  else if (shape) body = shape.whole(body, status);
  exchange.keepResponseBody(body);
  return {
    reply: new Response(body as BodyInit, {
      status,
      headers: clientHeaders(response.headers, call, exchange.routing()),
    }),
    outcome,
  };
}

/** Reads an answer's first chunk (until then a failure can still fail over); marks the first byte. */
async function firstChunk(
  exchange: Exchange,
  response: UpstreamResponse,
): Promise<{ upstream: AsyncIterator<Uint8Array>; first: IteratorResult<Uint8Array> } | Retry> {
  const upstream = response.body[Symbol.asyncIterator]();
  try {
    const first = await upstream.next();
    exchange.markFirstByte();
    return { upstream, first };
  } catch (error) {
    return abandon(exchange, error);
  }
}

/** A stream: commit to this endpoint only once its first chunk is here (failover stays possible until then). */
async function relayStream(
  streamReply: StreamReply,
  exchange: Exchange,
  route: ModelRoute,
  response: UpstreamResponse,
  shape: ResponseShaper | undefined,
): Promise<Settled | Retry> {
  const call = exchange.call;
  const head = await firstChunk(exchange, response);
  if ("failure" in head) return head;
  const { upstream, first } = head;
  const rewrite =
    route.upstreamModelId === call.body.model ? null : { from: route.upstreamModelId, to: call.body.model };
  const relay = new SseRelay(exchange.streamObserver(), injectsUsage(call), rewrite);
  const shaper = shape?.stream() ?? null;
  const status = response.status;
  const headers = clientHeaders(response.headers, call, exchange.routing());
  if (first.done) {
    const whole = finishShaped(relay, shaper);
    return {
      reply: new Response(whole as BodyInit | null, { status, headers }),
      outcome: { kind: "answered", status },
    };
  }
  const source = new StreamSource(exchange, relay, upstream, relay.push(first.value), status, shaper);
  return { reply: streamReply(source, status, headers, call.connection), outcome: null };
}

/** A binary answer: committed once its first chunk is here, then relayed as it arrives. */
async function relayBytes(
  streamReply: StreamReply,
  exchange: Exchange,
  response: UpstreamResponse,
): Promise<Settled | Retry> {
  const head = await firstChunk(exchange, response);
  if ("failure" in head) return head;
  const { upstream, first } = head;
  const status = response.status;
  const headers = clientHeaders(response.headers, exchange.call);
  if (first.done)
    return { reply: new Response(null, { status, headers }), outcome: { kind: "answered", status } };
  const source = new BytesSource(exchange, upstream, first.value, status);
  return { reply: streamReply(source, status, headers, exchange.call.connection), outcome: null };
}

/** Reads a whole upstream body in one read; marks the first byte on the exchange when given one. */
export async function readAll(response: UpstreamResponse, exchange?: Exchange): Promise<Uint8Array> {
  const whole = await response.bytes();
  exchange?.markFirstByte();
  return whole;
}

/**
 * Meters a whole JSON answer (2xx) and returns the client's body: the shaper's when there is one, handed
 * the parsed answer (a second decode and JSON.parse of the bench's 1.4 KB answer cost ≈ 3.2 µs on Node 20,
 * ≈ 2 % of a /v1/messages request's CPU; the shaper writes the client's model name itself), else the answer
 * with `model` renamed back to the client's name only when it differs.
 */
function meterWhole(
  exchange: Exchange,
  route: ModelRoute,
  { body, status }: { body: Uint8Array; status: number },
  shape: ResponseShaper | undefined,
): Uint8Array {
  const text = decoder.decode(body);
  let answer: unknown;
  try {
    answer = JSON.parse(text);
    exchange.meter.observe(answer);
  } catch {
    // Not JSON: relayed as is; tokens will be estimated.
  }
  if (shape) return shape.whole(body, status, answer);
  const clientModel = exchange.call.body.model;
  if (route.upstreamModelId === clientModel) return body;
  return encoder.encode(modelRewriter({ from: route.upstreamModelId, to: clientModel })(text));
}
