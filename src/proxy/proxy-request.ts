// Owns what the proxy needs from a client request: the validated body fields, the upstream body (model
// rewritten, usage injected — re-serialised only when something changes) and the upstream headers.
import * as v from "valibot";
import type { Priority } from "../balancer/fair-queue.js";
import { AppError } from "../errors.js";
import type { ApiKind, RequestSource } from "../events/types.js";
import { authHeaders } from "../registry/cloud.js";
import type { EndpointType } from "../registry/types.js";
import type { CancelSignal } from "../upstream/types.js";
import type { ClientConnection } from "./stream-reply.js";
import type { UploadBody } from "./upload-body.js";

/** Longest model name a client may send, characters. */
export const MAX_MODEL_LENGTH = 256;

const tokenLimit = v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0))));

/** Only the fields llmlb reads are checked; everything else is the upstream's business and passes as is. */
export const ProxyBodySchema = v.looseObject({
  // Capped: the name is recorded in history and broadcast to every dashboard.
  model: v.pipe(
    v.string(),
    v.minLength(1, "model is required"),
    v.maxLength(MAX_MODEL_LENGTH, `must be at most ${MAX_MODEL_LENGTH} characters`),
  ),
  stream: v.optional(v.nullable(v.boolean())),
  stream_options: v.optional(
    v.nullable(v.looseObject({ include_usage: v.optional(v.nullable(v.boolean())) })),
  ),
  max_tokens: tokenLimit,
  max_completion_tokens: tokenLimit,
  max_output_tokens: tokenLimit,
});

export type ProxyBody = v.InferOutput<typeof ProxyBodySchema>;

/**
 * One client request as the proxy service sees it — the port every inference route family goes through.
 * A family whose wire format is not the upstream's (e.g. /v1/messages, Anthropic ⇄ OpenAI chat) translates
 * the request into `body` (the upstream's, already parsed and validated; `rawBody` omitted) and passes a
 * `shape` that turns the upstream's answer into its own. Admission, failover, metering, model rewriting and
 * the completion record are the same for every family and always see the upstream's own bytes.
 */
export interface ProxyCall {
  apiKind: ApiKind;
  /** Upstream path, e.g. `/v1/chat/completions`. */
  path: string;
  body: ProxyBody;
  /**
   * The body exactly as the client sent it, parsed by parseJsonText (forwarded untouched when nothing needs
   * changing); absent: `body` serialised. Set only for text that went through parseJsonText (its depth bound
   * is what lets prepareUpstreamBody skip the up-front re-serialisation check).
   */
  rawBody?: string;
  /** A streamed multipart body (audio, image edits): relayed as is, only its `model` value replaced. */
  upload?: UploadBody;
  /** /v1/messages only: the client's validated Messages request, sent as is to an `anthropic` endpoint. */
  anthropicBody?: Record<string, unknown>;
  /** Reshapes what reaches the client; absent: the upstream's OpenAI-shaped answer is relayed as is. */
  shape?: ResponseShaper;
  requestId: string;
  /**
   * The HTTP layer's security headers (http/security-headers.ts): when given, every Response the proxy
   * returns carries them and x-request-id in its init (the route marks it with withReplyHeaders).
   */
  securityHeaders?: Readonly<Record<string, string>>;
  clientIp: string | null;
  apiKeyId: string | null;
  /** Queue order when every endpoint is saturated (the API key's priority). */
  priority: Priority;
  /** Aborts when the client goes away. */
  signal: CancelSignal | null;
  /**
   * The client's connection where the runtime can write a relayed stream to it straight away (Node); absent:
   * the stream goes out once the reply has travelled back through the app (and a caller such as a
   * benchmark run may read the Response itself).
   */
  connection?: ClientConnection;
  /** The client's Accept header, if any. */
  accept: string | undefined;
  /** Who sent it (recorded with the request); `api` when absent. */
  source?: RequestSource;
  /** Sent to this endpoint only: no routing, no failover (playground, benchmark). */
  pinnedEndpointId?: string | null;
}

/**
 * A route family's view of the upstream's answer. Errors raised before the first byte are AppErrors
 * (rendered by the app's error handler); everything after goes through here.
 */
export interface ResponseShaper {
  /**
   * A whole upstream body (a 2xx answer, or the upstream's own 4xx/5xx relayed) → the client's body.
   * `answer`: the body as the proxy's meter already parsed it (a 2xx JSON answer; undefined when it was not
   * parsed or is not JSON), so a shaper need not decode and parse it again.
   */
  whole(body: Uint8Array, status: number, answer?: unknown): Uint8Array;
  /** A new per-request stream shaper (called once per streamed response). */
  stream(): StreamShaper;
}

/** Turns the relayed SSE bytes (complete or partial lines) into the client's stream bytes. */
export interface StreamShaper {
  /** Bytes to forward now for these relayed bytes (null: nothing yet). */
  push(bytes: Uint8Array): Uint8Array | null;
  /** The upstream ended: whatever is left to forward. */
  finish(): Uint8Array | null;
  /** The upstream failed mid-stream: this family's error event (the error comes from src/errors.ts). */
  error(error: AppError): Uint8Array;
}

export function wantsStream(call: ProxyCall): boolean {
  return call.apiKind !== "embeddings" && call.body.stream === true;
}

/** Streaming chat/completions get `stream_options.include_usage` so usage can be counted. */
export function injectsUsage(call: Pick<ProxyCall, "apiKind" | "body">): boolean {
  return (
    (call.apiKind === "chat_completions" || call.apiKind === "completions") &&
    call.body.stream === true &&
    call.body.stream_options?.include_usage !== true
  );
}

/** The request's own bound on output tokens; null when it sets none. */
export function maxOutputTokens(body: ProxyBody): number | null {
  return body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens ?? null;
}

/** Bytes of JSON per prompt token, roughly (English text and message framing); for routing estimates only. */
const BYTES_PER_TOKEN = 4;

/** The prompt's size in tokens, estimated from the body's length (no tokenizer on the hot path). */
export function promptTokenEstimate(call: ProxyCall): number {
  const length = call.rawBody?.length ?? JSON.stringify(call.body).length;
  return Math.ceil(length / BYTES_PER_TOKEN);
}

/** The body sent to an endpoint that names the model `upstreamModelId`. */
export type UpstreamBody = (upstreamModelId: string) => string | AsyncIterable<Uint8Array>;

/** The body without `model`, as the JSON text that follows `{"model":…` (usage injected when asked). */
function restTail(body: ProxyBody, inject: boolean): string {
  const { model: _model, ...rest } = body;
  if (inject) rest.stream_options = { ...body.stream_options, include_usage: true };
  let restJson: string;
  try {
    restJson = JSON.stringify(rest);
  } catch (error) {
    throw new AppError("bad_request", "Request body cannot be forwarded: it does not re-serialise as JSON", {
      code: "invalid_json",
      cause: error,
    });
  }
  return restJson === "{}" ? "}" : `,${restJson.slice(1)}`;
}

/**
 * The upstream body per endpoint: only the `model` value is spliced in; the client's own text is forwarded
 * untouched when nothing needs changing. A body that cannot be re-serialised is the client's 400 before any
 * attempt, never an endpoint's failure: a translated body (no rawBody) is serialised here, up front. The
 * client's own text (rawBody) went through parseJsonText, whose depth bound guarantees its value
 * re-serialises, so its rest is serialised only when an endpoint names the model differently — measured
 * reason: the up-front JSON.stringify ran for every request and scales with the body (long chat histories).
 */
export function prepareUpstreamBody(
  call: Pick<ProxyCall, "apiKind" | "body" | "rawBody" | "upload">,
): UpstreamBody {
  const upload = call.upload;
  if (upload) return (upstreamModelId) => upload.attempt(upstreamModelId);
  const inject = injectsUsage(call);
  const model = call.body.model;
  const raw = inject ? undefined : call.rawBody;
  if (raw !== undefined) {
    let tail: string | undefined;
    return (upstreamModelId) => {
      if (upstreamModelId === model) return raw;
      tail ??= restTail(call.body, false);
      return `{"model":${JSON.stringify(upstreamModelId)}${tail}`;
    };
  }
  const tail = restTail(call.body, inject);
  return (upstreamModelId) => `{"model":${JSON.stringify(upstreamModelId)}${tail}`;
}

export function upstreamHeaders(
  call: ProxyCall,
  type: EndpointType,
  apiKey: string | undefined,
): Record<string, string> {
  return {
    "content-type": call.upload?.contentType ?? "application/json",
    accept: call.accept ?? "*/*",
    // Streams must arrive as they are produced: no compression to undo, no hop-by-hop surprises.
    "accept-encoding": "identity",
    "x-request-id": call.requestId,
    ...authHeaders(type, apiKey),
  };
}

/**
 * Response headers never relayed: those that describe the connection or the encoding rather than the
 * content, cookies (an upstream must not set cookies on llmlb's origin), and redirects' Location.
 */
const DROPPED = new Set([
  "x-llmlb-endpoint",
  "x-llmlb-attempts",
  "x-llmlb-queue-wait-ms",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "proxy-authenticate",
  "content-length",
  "content-encoding",
  "x-request-id",
  "set-cookie",
  "set-cookie2",
  "location",
  // Removed from every response by the security headers (hono/secure-headers' removePoweredBy).
  "x-powered-by",
]);

/** Which endpoint answered, after how many attempts and how long the request queued (routing headers). */
export interface RoutingInfo {
  endpointName: string;
  attempts: number;
  /** ms spent in the per-model queue; 0 when the request never waited (then no header). */
  queueWaitMs: number;
}

/**
 * The upstream's end-to-end response headers, plus ours (routing headers when `routing` is given, the
 * call's security headers, which win over the upstream's); headers its `Connection` names are hop-by-hop too.
 */
export function clientHeaders(
  upstream: Record<string, string>,
  call: Pick<ProxyCall, "requestId" | "securityHeaders">,
  routing: RoutingInfo | null = null,
): Record<string, string> {
  const headers: Record<string, string> = { "x-request-id": call.requestId };
  if (routing) {
    // Header values are ByteStrings: a non-Latin-1 endpoint name goes percent-encoded.
    headers["x-llmlb-endpoint"] = /^[\x20-\x7e]*$/.test(routing.endpointName)
      ? routing.endpointName
      : encodeURIComponent(routing.endpointName);
    headers["x-llmlb-attempts"] = String(routing.attempts);
    if (routing.queueWaitMs > 0) headers["x-llmlb-queue-wait-ms"] = String(Math.round(routing.queueWaitMs));
  }
  const named = upstream.connection?.toLowerCase().split(",");
  const hopByHop = named ? new Set(named.map((name) => name.trim())) : null;
  for (const name in upstream) {
    if (!DROPPED.has(name) && !hopByHop?.has(name)) headers[name] = upstream[name] as string;
  }
  const security = call.securityHeaders;
  if (security) for (const name in security) headers[name] = security[name] as string;
  return headers;
}
