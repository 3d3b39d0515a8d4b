// Owns forwarding one OpenAI-style request: endpoint admission, attempts with failover before the first
// byte reaches the client, non-stream and stream relaying, and the error mapping (404/503/502/504/429).
import type { CircuitBreakers } from "../balancer/circuit-breaker.js";
import type { Clock } from "../deps.js";
import { AppError, toAppError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { EndpointDirectory, ModelRoute } from "../registry/types.js";
import type { CompletionSink } from "../stats/types.js";
import { type UpstreamClient, UpstreamError, type UpstreamResponse } from "../upstream/types.js";
import { type Admission, ClientGoneError, type Dispatcher, RETRY_AFTER_SECS } from "./dispatcher.js";
import { Exchange } from "./exchange.js";
import {
  clientHeaders,
  expectedOutputTokens,
  injectsUsage,
  type ProxyCall,
  upstreamBody,
  upstreamHeaders,
} from "./proxy-request.js";
import { modelRewriter, SseRelay } from "./sse-relay.js";
import { StreamSource } from "./stream-source.js";
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
}

export interface ProxyService {
  /** Forwards one validated request; resolves to the client's response, throws AppError before any byte. */
  handle(call: ProxyCall): Promise<Response>;
}

/** An attempt that failed before anything reached the client: try the next candidate. */
interface Failed {
  error: AppError;
  /** The upstream's own 5xx, relayed as is if it was the last attempt. */
  response: { status: number; headers: Record<string, string>; body: Uint8Array } | null;
}

const encoder = new TextEncoder();

export function createProxyService(deps: ProxyServiceDeps): ProxyService {
  const exchangeDeps = {
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
      const model = call.body.model;
      const pinned = call.pinnedEndpointId;
      if (pinned !== null) checkPinned(deps.directory, exchange, pinned);
      else if (!deps.directory.isKnownModel(model)) {
        exchange.end({ statusCode: 404, error: "model_not_found" });
        throw new AppError("not_found", `The model '${model}' does not exist on any endpoint`, {
          code: "model_not_found",
          param: "model",
        });
      }
      const admission = {
        model,
        apiKind: call.apiKind,
        expectedOutputTokens: expectedOutputTokens(call.body),
        exclude: null as Set<string> | null,
        signal: call.signal,
        only: pinned,
      };
      let failed: Failed | null = null;
      // A pinned request has one endpoint and no failover.
      const maxAttempts = pinned === null ? deps.maxAttempts : 1;
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        let route: ModelRoute | null;
        try {
          route = await acquire(deps, exchange, admission);
        } catch (error) {
          if (error instanceof ClientGoneError) return clientGone(exchange);
          const appError = toAppError(error);
          exchange.end({ statusCode: appError.status, error: appError.code });
          throw appError;
        }
        if (!route) break;
        if (!admission.exclude) admission.exclude = new Set();
        admission.exclude.add(route.endpoint.id);
        exchange.beginAttempt(route);
        const outcome = await tryEndpoint(deps, exchange, route);
        if (outcome instanceof Response) return outcome;
        if (outcome === null) return clientGone(exchange);
        failed = outcome;
        deps.logger.warn("upstream attempt failed", {
          request_id: call.requestId,
          endpoint_id: route.endpoint.id,
          model,
          attempt: attempt + 1,
          error: outcome.error.message,
        });
      }
      if (!failed) {
        exchange.end({ statusCode: 503, error: "no_available_endpoint" });
        throw new AppError("unavailable", `No endpoint is available for '${model}' right now`, {
          code: "no_available_endpoint",
          retryAfterSecs: RETRY_AFTER_SECS,
        });
      }
      if (failed.response) {
        const { status, headers, body } = failed.response;
        exchange.end({ statusCode: status, error: `upstream answered ${status}` });
        const relayed = clientHeaders(headers, call.requestId, exchange.routing());
        return new Response(body as BodyInit, { status, headers: relayed });
      }
      exchange.end({ statusCode: failed.error.status, error: failed.error.message });
      throw failed.error;
    },
  };
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

/** A pinned request's endpoint must exist, be online and serve the model (else 404 / 503, recorded). */
function checkPinned(directory: EndpointDirectory, exchange: Exchange, endpointId: string): void {
  const model = exchange.call.body.model;
  const endpoint = directory.get(endpointId);
  let error: AppError | null = null;
  if (!endpoint) {
    error = new AppError("not_found", `No endpoint with id '${endpointId}'`, { code: "endpoint_not_found" });
  } else if (endpoint.status !== "online") {
    error = new AppError("unavailable", `Endpoint '${endpoint.name}' is ${endpoint.status}`, {
      code: "endpoint_unavailable",
      retryAfterSecs: RETRY_AFTER_SECS,
    });
  } else if (!directory.routesFor(model).some((route) => route.endpoint.id === endpointId)) {
    error = new AppError("not_found", `Endpoint '${endpoint.name}' does not serve the model '${model}'`, {
      code: "model_not_found",
      param: "model",
    });
  }
  if (!error) return;
  exchange.end({ statusCode: error.status, error: error.code });
  throw error;
}

function clientGone(exchange: Exchange): Response {
  exchange.end({ statusCode: 0, error: "client disconnected" });
  return new Response(null, { status: 499 });
}

function failure(error: unknown): Failed {
  const upstreamError = error instanceof UpstreamError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  if (upstreamError?.kind === "timeout") {
    return {
      error: new AppError("gateway_timeout", `The upstream timed out: ${message}`, {
        code: "upstream_timeout",
      }),
      response: null,
    };
  }
  return {
    error: new AppError("bad_gateway", `No upstream could be reached: ${message}`, {
      code: "upstream_unreachable",
    }),
    response: null,
  };
}

/**
 * One attempt on one endpoint. Returns the client's Response once committed, a Failed to retry
 * elsewhere (the slot already freed with a failure verdict), or null when the client went away.
 */
async function tryEndpoint(
  deps: ProxyServiceDeps,
  exchange: Exchange,
  route: ModelRoute,
): Promise<Response | Failed | null> {
  const call = exchange.call;
  const timeoutMs = route.endpoint.inferenceTimeoutSecs * 1000;
  let response: UpstreamResponse;
  try {
    response = await deps.upstream.request({
      method: "POST",
      url: route.endpoint.baseUrl + call.path,
      headers: upstreamHeaders(call, deps.directory.apiKeyOf(route.endpoint.id)),
      body: upstreamBody(call, route.upstreamModelId),
      // The client's own signal: its disconnect aborts the upstream request (no extra controller per request).
      signal: call.signal ?? undefined,
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
    });
  } catch (error) {
    return abandon(exchange, error);
  }

  const status = response.status;
  if (status >= 500) {
    const body = await readAll(response).catch(() => new Uint8Array());
    exchange.abandonAttempt("failure");
    return {
      error: new AppError("bad_gateway", `The upstream answered ${status}`, { code: "upstream_error" }),
      response: { status, headers: response.headers, body },
    };
  }
  const stream = (response.headers["content-type"] ?? "").includes("text/event-stream");
  if (status >= 400 || !stream) {
    // A whole body: nothing has reached the client yet, so a read failure can still fail over.
    let body: Uint8Array;
    try {
      body = await readAll(response, exchange);
    } catch (error) {
      return abandon(exchange, error);
    }
    const headers = clientHeaders(response.headers, call.requestId, exchange.routing());
    if (status >= 400) {
      // The upstream's own client error, relayed unchanged; not the endpoint's fault.
      exchange.end({ statusCode: status, error: `upstream answered ${status}`, verdict: "neutral" });
      return new Response(body as BodyInit, { status, headers });
    }
    body = meterWhole(exchange, route, body);
    exchange.end({ statusCode: status, error: null, verdict: "success" });
    return new Response(body as BodyInit, { status, headers });
  }

  // A stream: commit to this endpoint only once its first chunk is here (failover stays possible until then).
  const upstream = response.body[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await upstream.next();
  } catch (error) {
    return abandon(exchange, error);
  }
  exchange.markFirstByte();
  const rewrite =
    route.upstreamModelId === call.body.model ? null : { from: route.upstreamModelId, to: call.body.model };
  const relay = new SseRelay(exchange.meter, injectsUsage(call), rewrite);
  let head: Uint8Array | null = null;
  if (first.done) {
    head = relay.finish();
  } else {
    head = relay.push(first.value);
  }
  const headers = clientHeaders(response.headers, call.requestId, exchange.routing());
  if (first.done) {
    exchange.end({ statusCode: status, error: null, verdict: "success" });
    return new Response(head as BodyInit | null, { status, headers });
  }
  const source = new StreamSource(exchange, relay, upstream, head, status);
  return new Response(new ReadableStream(source), { status, headers });
}

/** A failed attempt: the client's disconnect (null) or the endpoint's failure (retry elsewhere). */
function abandon(exchange: Exchange, error: unknown): Failed | null {
  if (exchange.clientGone || (error instanceof UpstreamError && error.kind === "aborted")) {
    return null;
  }
  exchange.abandonAttempt("failure");
  return failure(error);
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
  const text = new TextDecoder().decode(body);
  try {
    exchange.meter.observe(JSON.parse(text));
  } catch {
    // Not JSON: relayed as is; tokens will be estimated.
  }
  const clientModel = exchange.call.body.model;
  if (route.upstreamModelId === clientModel) return body;
  return encoder.encode(modelRewriter({ from: route.upstreamModelId, to: clientModel })(text));
}
