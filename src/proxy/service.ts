// Owns forwarding one request through the proxy pipeline: endpoint admission, attempts with failover
// before the first byte reaches the client, non-stream and stream relaying (through the route family's
// shaper, see ProxyCall in proxy-request.ts). What each ending records is decided in outcome.ts; this file
// only reports which outcome happened (handle() for everything settled before a stream, StreamSource after).
import { anthropicTarget, type UpstreamTarget } from "../anthropic/upstream.js";
import type { CircuitBreakers } from "../balancer/circuit-breaker.js";
import type { Clock } from "../clock.js";
import { AppError, toAppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { upstreamPath } from "../registry/cloud.js";
import type { EndpointDirectory, ModelRoute } from "../registry/types.js";
import type { CompletionSink } from "../stats/types.js";
import type { UpstreamClient, UpstreamResponse } from "../upstream/types.js";
import { BytesSource } from "./bytes-source.js";
import { type Admission, ClientGoneError, type Dispatcher, RETRY_AFTER_SECS } from "./dispatcher.js";
import { Exchange, type ExchangeDeps } from "./exchange.js";
import {
  classify,
  type Failure,
  failureError,
  type Outcome,
  upstream5xx,
  upstreamRedirect,
} from "./outcome.js";
import { pinnedRefusal } from "./pinned-refusal.js";
import {
  clientHeaders,
  injectsUsage,
  maxOutputTokens,
  type ProxyCall,
  prepareUpstreamBody,
  promptTokenEstimate,
  type ResponseShaper,
  type UpstreamBody,
  upstreamHeaders,
} from "./proxy-request.js";
import { modelRewriter, SseRelay } from "./sse-relay.js";
import { type StreamReply, webStreamReply } from "./stream-reply.js";
import { finishShaped, StreamSource } from "./stream-source.js";
import type { TokenCounter } from "./token-counter.js";

export interface ProxyServiceDeps {
  directory: EndpointDirectory;
  dispatcher: Dispatcher;
  circuits: CircuitBreakers;
  upstream: UpstreamClient;
  completions: CompletionSink;
  clock: Clock;
  logger: Logger;
  maxAttempts: number;
  tokens: TokenCounter;
  /** LLMLB_ROUTING_HEADERS: x-llmlb-endpoint / -attempts / -queue-wait-ms on every proxied response. */
  routingHeaders: boolean;
  /** The Response of a relayed stream (default webStreamReply). */
  streamReply?: StreamReply;
}

export interface ProxyService {
  /**
   * Forwards one validated request (any route family: see ProxyCall); resolves to the client's response,
   * throws AppError before any byte. Every request produces exactly one completion record. Every response
   * carries x-request-id and the call's securityHeaders.
   */
  handle(call: ProxyCall): Promise<Response>;
}

/** What forwarding came to: the client's reply, and the outcome unless a stream still runs (it reports its own). */
interface Settled {
  reply: Response | AppError;
  outcome: Outcome | null;
}

/** An attempt that did not answer: retry elsewhere unless the client is gone (or its upload failed). */
interface Retry {
  failure: Failure;
  /** The client's own upload failed (too large, cut short): its error, never an endpoint's. */
  rejected?: AppError;
}

/** Kinds whose non-JSON answers (audio, plain-text transcripts) stream back as they are. */
const MEDIA_KINDS = new Set(["audio_transcriptions", "audio_speech", "images"]);

const encoder = new TextEncoder();
/** Shared: a non-streaming decode keeps no state (a new TextDecoder per answer showed in the profile). */
const decoder = new TextDecoder();

export function createProxyService(deps: ProxyServiceDeps): ProxyService {
  const exchangeDeps: ExchangeDeps = {
    dispatcher: deps.dispatcher,
    circuits: deps.circuits,
    completions: deps.completions,
    clock: deps.clock,
    tokens: deps.tokens,
    routingHeaders: deps.routingHeaders,
  };
  return {
    async handle(call) {
      const exchange = new Exchange(exchangeDeps, call);
      const settled = await forward(deps, exchange);
      if (settled.outcome) exchange.finish(settled.outcome);
      if (settled.reply instanceof AppError) throw settled.reply;
      return settled.reply;
    },
  };
}

const rejected = (error: AppError): Settled => ({ reply: error, outcome: { kind: "rejected", error } });
const clientGone = (call: ProxyCall): Settled => ({
  reply: new Response(null, { status: 499, headers: clientHeaders({}, call) }),
  outcome: { kind: "client_gone", status: 0 },
});

/** Admission and attempts, failing over until an endpoint answers or none is left. */
async function forward(deps: ProxyServiceDeps, exchange: Exchange): Promise<Settled> {
  const call = exchange.call;
  const model = call.body.model;
  const pinned = call.pinnedEndpointId ?? null;
  if (pinned !== null) {
    const refusal = pinnedRefusal(deps.directory, pinned, model);
    if (refusal) return rejected(refusal);
  } else if (!deps.directory.isKnownModel(model)) {
    return rejected(deps.directory.unknownModel(model));
  }
  const admission = {
    model,
    apiKind: call.apiKind,
    maxOutputTokens: maxOutputTokens(call.body),
    promptTokens: promptTokenEstimate(call),
    priority: call.priority,
    fairKey: call.apiKeyId ?? "",
    exclude: null as Set<string> | null,
    signal: call.signal,
    only: pinned,
  };
  // Built before any attempt: a body that cannot be forwarded is the client's error, never an endpoint's.
  let bodyFor: UpstreamBody;
  try {
    bodyFor = prepareUpstreamBody(call);
  } catch (error) {
    return rejected(toAppError(error));
  }
  let failure: Failure | null = null;
  // A pinned request has one endpoint and no failover.
  const maxAttempts = pinned === null ? deps.maxAttempts : 1;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    let route: ModelRoute | null;
    try {
      route = await acquire(deps, exchange, admission);
    } catch (error) {
      return error instanceof ClientGoneError ? clientGone(call) : rejected(toAppError(error));
    }
    if (!route) break;
    admission.exclude ??= new Set();
    admission.exclude.add(route.endpoint.id);
    exchange.beginAttempt(route);
    const result = await tryEndpoint(deps, exchange, route, bodyFor(route.upstreamModelId));
    if (!("failure" in result)) return result;
    if (result.rejected) return rejected(result.rejected);
    if (result.failure.kind === "client_gone") return clientGone(call);
    failure = result.failure;
    deps.logger.warn("upstream attempt failed", {
      request_id: call.requestId,
      endpoint_id: route.endpoint.id,
      model,
      attempt: attempt + 1,
      error: failureError(failure).message,
    });
    // A streamed upload larger than its replay buffer cannot be sent again.
    if (call.upload && !call.upload.replayable) break;
  }
  if (!failure) {
    return rejected(
      new AppError("unavailable", `No endpoint is available for '${model}' right now`, {
        code: "no_available_endpoint",
        retryAfterSecs: RETRY_AFTER_SECS,
      }),
    );
  }
  return { reply: lastFailureReply(exchange, failure), outcome: { kind: "failed", failure } };
}

/** Takes a slot; time spent queued (a pending acquire) is added to the exchange's queue wait. */
async function acquire(
  deps: ProxyServiceDeps,
  exchange: Exchange,
  admission: Admission,
): Promise<ModelRoute | null> {
  const taken = deps.dispatcher.acquire(admission);
  if (!(taken instanceof Promise)) return taken;
  const queuedAt = deps.clock.monotonic();
  try {
    return await taken;
  } finally {
    exchange.queueWaitMs += deps.clock.monotonic() - queuedAt;
  }
}

/** The last attempt's failure: the upstream's own 5xx relayed as is, else llmlb's 502/504. */
function lastFailureReply(exchange: Exchange, failure: Failure): Response | AppError {
  if (!failure.response) return failureError(failure);
  const call = exchange.call;
  const { status, headers, body } = failure.response;
  const shaped = call.shape ? call.shape.whole(body, status) : body;
  const relayed = clientHeaders(headers, call, exchange.routing());
  return new Response(shaped as BodyInit, { status, headers: relayed });
}

/** One attempt on one endpoint: the settled reply once committed, or a Retry (the slot already freed). */
async function tryEndpoint(
  deps: ProxyServiceDeps,
  exchange: Exchange,
  route: ModelRoute,
  body: string | AsyncIterable<Uint8Array>,
): Promise<Settled | Retry> {
  const call = exchange.call;
  const timeoutMs = route.endpoint.inferenceTimeoutSecs * 1000;
  const type = route.endpoint.endpointType;
  let target: UpstreamTarget;
  try {
    target =
      type === "anthropic"
        ? anthropicTarget(call, route.upstreamModelId, {
            id: `chatcmpl-${call.requestId}`,
            created: Math.floor(deps.clock.now() / 1000),
          })
        : { path: upstreamPath(type, call.path), body, raw: false, translate: null };
  } catch (error) {
    const rejectedError = toAppError(error);
    const failure: Failure = { kind: "client_gone", message: rejectedError.message };
    exchange.abandonAttempt(failure);
    return { failure, rejected: rejectedError };
  }
  let response: UpstreamResponse;
  try {
    response = await deps.upstream.request({
      method: "POST",
      url: route.endpoint.baseUrl + target.path,
      headers: upstreamHeaders(call, type, deps.directory.apiKeyOf(route.endpoint.id)),
      body: target.body,
      // The client's own signal: its disconnect aborts the upstream request (no extra controller per request).
      signal: call.signal ?? undefined,
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
    });
  } catch (error) {
    return abandon(exchange, error);
  }
  if (target.translate) response = target.translate(response);
  const shape = target.raw ? undefined : call.shape;
  const status = response.status;
  if (status >= 500) {
    const body = await readAll(response).catch(() => new Uint8Array());
    const failure = upstream5xx({ status, headers: response.headers, body });
    exchange.abandonAttempt(failure);
    return { failure };
  }
  if (status >= 300 && status < 400) {
    // Never followed nor relayed: its Location could point the client (or us) anywhere.
    await response.discard().catch(() => undefined);
    const failure = upstreamRedirect(status);
    exchange.abandonAttempt(failure);
    return { failure };
  }
  const contentType = response.headers["content-type"] ?? "";
  if (status < 400 && contentType.includes("text/event-stream")) {
    return relayStream(deps.streamReply ?? webStreamReply, exchange, route, response, shape);
  }
  if (status < 400 && MEDIA_KINDS.has(call.apiKind) && !contentType.includes("json")) {
    return relayBytes(deps.streamReply ?? webStreamReply, exchange, response);
  }
  return relayWhole(exchange, route, response, shape);
}

/** A failed attempt: classified once; the endpoint's slot is freed unless the client left (recorded as held). */
function abandon(exchange: Exchange, error: unknown): Retry {
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
  // The upstream's own client error is relayed unchanged; an answer is metered and its model renamed back.
  const outcome: Outcome = status >= 400 ? { kind: "refused", status } : { kind: "answered", status };
  if (outcome.kind === "answered") body = meterWhole(exchange, route, body);
  if (shape) body = shape.whole(body, status);
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
  return { reply: streamReply(source, status, headers), outcome: null };
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
  return { reply: streamReply(source, status, headers), outcome: null };
}

/** Reads a whole upstream body; marks the first byte on the exchange when given one. */
async function readAll(response: UpstreamResponse, exchange?: Exchange): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of response.body) {
    exchange?.markFirstByte();
    chunks.push(chunk);
    length += chunk.length;
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const body = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** Meters a whole JSON response; rewrites `model` back to the client's name only when it differs. */
function meterWhole(exchange: Exchange, route: ModelRoute, body: Uint8Array): Uint8Array {
  const text = decoder.decode(body);
  try {
    exchange.meter.observe(JSON.parse(text));
  } catch {
    // Not JSON: relayed as is; tokens will be estimated.
  }
  const clientModel = exchange.call.body.model;
  if (route.upstreamModelId === clientModel) return body;
  return encoder.encode(modelRewriter({ from: route.upstreamModelId, to: clientModel })(text));
}
