// Owns the OpenAI-compatible inference routes: body limit, one JSON parse + validation (multipart: the
// `model` field only, the rest streamed), then the proxy.
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { apiKeyIdOf, priorityOf } from "../auth/principal.js";
import type { AppDeps } from "../deps.js";
import type { ApiKind } from "../events/types.js";
import { bodyChunks, readBodyText } from "../http/body-text.js";
import { clientConnection, clientSignal } from "../http/client-signal.js";
import { parseJsonText } from "../http/json-text.js";
import { securityHeadersOf, withReplyHeaders } from "../http/security-headers.js";
import { validate } from "../http/validate.js";
import { ProxyBodySchema, type ProxyCall } from "../proxy/proxy-request.js";
import { UploadBody } from "../proxy/upload-body.js";

/** Only what these routes use. */
type OpenaiRoutesDeps = Pick<AppDeps, "clientAddress" | "config" | "proxy">;

/** The form fields llmlb reads of a multipart body: only `model` (files and the rest stream as they are). */
export const UploadFields = v.looseObject({ model: ProxyBodySchema.entries.model });

const ROUTES: [path: string, apiKind: ApiKind][] = [
  ["/v1/chat/completions", "chat_completions"],
  ["/v1/completions", "completions"],
  ["/v1/embeddings", "embeddings"],
  ["/v1/responses", "responses"],
  ["/v1/audio/speech", "audio_speech"],
  ["/v1/images/generations", "images"],
];

/** Multipart routes: the body streams upstream, read only as far as its `model` field. */
const UPLOAD_ROUTES: [path: string, apiKind: ApiKind][] = [
  ["/v1/audio/transcriptions", "audio_transcriptions"],
  ["/v1/audio/translations", "audio_transcriptions"],
  ["/v1/images/edits", "images"],
  ["/v1/images/variations", "images"],
];

/** What a call carries besides who sent it: the body and where it may go. */
type CallParts = Pick<ProxyCall, "body" | "rawBody" | "upload" | "source" | "pinnedEndpointId">;

/**
 * One call of these routes: its parts, and who sent it, how, and at which priority. One object literal:
 * spreading a base object and adding keys cost ≈ 1 µs per request on Node 20 (readProxyCall was 2.5 % of
 * busy CPU samples at c=50, bench section 3 profile).
 */
function proxyCall(
  deps: Pick<AppDeps, "clientAddress">,
  c: Context,
  apiKind: ApiKind,
  path: string,
  parts: CallParts,
): ProxyCall {
  return {
    apiKind,
    path,
    body: parts.body,
    rawBody: parts.rawBody,
    upload: parts.upload,
    source: parts.source,
    pinnedEndpointId: parts.pinnedEndpointId,
    requestId: c.get("requestId"),
    securityHeaders: securityHeadersOf(c),
    clientIp: deps.clientAddress(c),
    apiKeyId: apiKeyIdOf(c),
    priority: priorityOf(c),
    signal: clientSignal(c),
    connection: clientConnection(c),
    accept: c.req.header("accept"),
  };
}

/** Reads and validates one JSON inference request into a ProxyCall for `path` (the upstream path). */
export async function readProxyCall(
  deps: Pick<AppDeps, "clientAddress" | "config">,
  c: Context,
  apiKind: ApiKind,
  path: string,
  routing: Pick<ProxyCall, "source" | "pinnedEndpointId"> = {},
): Promise<ProxyCall> {
  const rawBody = await readBodyText(c, deps.config.maxBodyBytes);
  const body = validate(ProxyBodySchema, parseJsonText(rawBody), "body");
  return proxyCall(deps, c, apiKind, path, {
    body,
    rawBody,
    source: routing.source,
    pinnedEndpointId: routing.pinnedEndpointId,
  });
}

export function openaiRoutes(deps: OpenaiRoutesDeps): Hono {
  const app = new Hono();
  const maxBytes = deps.config.maxBodyBytes;
  for (const [path, apiKind] of ROUTES) {
    app.post(path, async (c) =>
      withReplyHeaders(c, await deps.proxy.handle(await readProxyCall(deps, c, apiKind, path))),
    );
  }
  for (const [path, apiKind] of UPLOAD_ROUTES) {
    app.post(path, async (c) => {
      const upload = await UploadBody.open(bodyChunks(c, maxBytes), c.req.header("content-type"), maxBytes);
      const body = validate(UploadFields, { model: upload.model }, "body");
      return withReplyHeaders(
        c,
        await deps.proxy.handle(proxyCall(deps, c, apiKind, path, { body, upload })),
      );
    });
  }
  return app;
}
