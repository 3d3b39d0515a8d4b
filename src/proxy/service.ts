// Owns forwarding one request through the proxy pipeline: endpoint admission and attempts with failover
// before the first byte reaches the client; an answer an attempt keeps is relayed by answer-relay.ts
// (through the route family's shaper, see ProxyCall in proxy-request.ts). What each ending records is
// decided in outcome.ts; this file only reports which outcome happened (handle() for everything settled
// before a stream, StreamSource after).
import { anthropicTarget, type UpstreamTarget } from "../anthropic/upstream.js";
import type { CircuitBreakers } from "../balancer/circuit-breaker.js";
import type { Clock } from "../clock.js";
import { AppError, toAppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { upstreamPath } from "../registry/cloud.js";
import type { EndpointDirectory, ModelRoute } from "../registry/types.js";
import type { CompletionSink } from "../stats/types.js";
import type { UpstreamClient, UpstreamResponse } from "../upstream/types.js";
import { abandon, type Retry, readAll, relayAnswer, type Settled } from "./answer-relay.js";
import { type Admission, ClientGoneError, type Dispatcher, RETRY_AFTER_SECS } from "./dispatcher.js";
import { Exchange, type ExchangeDeps } from "./exchange.js";
import { type Failure, failureError, upstream5xx, upstreamRedirect } from "./outcome.js";
import { pinnedRefusal } from "./pinned-refusal.js";
import {
  clientHeaders,
  maxOutputTokens,
  type ProxyCall,
  prepareUpstreamBody,
  promptTokenEstimate,
  type UpstreamBody,
  upstreamHeaders,
} from "./proxy-request.js";
import { type StreamReply, webStreamReply } from "./stream-reply.js";
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
  return relayAnswer(deps.streamReply ?? webStreamReply, exchange, route, response, shape);
}
