// Owns the OpenAI-compatible inference routes: body limit, one JSON parse + validation, then the proxy.
import type { Context } from "hono";
import { Hono } from "hono";
import { apiKeyIdOf, priorityOf } from "../auth/principal.js";
import type { AppDeps } from "../deps.js";
import type { ApiKind } from "../events/types.js";
import { readBodyText } from "../http/body-text.js";
import { parseJsonText } from "../http/json-text.js";
import { validate } from "../http/validate.js";
import { ProxyBodySchema, type ProxyCall } from "../proxy/proxy-request.js";

/** Only what these routes use. */
type OpenaiRoutesDeps = Pick<AppDeps, "clientAddress" | "config" | "proxy">;

const ROUTES: [path: string, apiKind: ApiKind][] = [
  ["/v1/chat/completions", "chat_completions"],
  ["/v1/completions", "completions"],
  ["/v1/embeddings", "embeddings"],
  ["/v1/responses", "responses"],
];

/** Reads and validates one inference request into a ProxyCall for `path` (the upstream path). */
export async function readProxyCall(
  deps: Pick<AppDeps, "clientAddress" | "config">,
  c: Context,
  apiKind: ApiKind,
  path: string,
  routing: Pick<ProxyCall, "source" | "pinnedEndpointId"> = {},
): Promise<ProxyCall> {
  const rawBody = await readBodyText(c, deps.config.maxBodyBytes);
  const body = validate(ProxyBodySchema, parseJsonText(rawBody), "body");
  return {
    apiKind,
    path,
    body,
    rawBody,
    requestId: c.get("requestId"),
    clientIp: deps.clientAddress(c),
    apiKeyId: apiKeyIdOf(c),
    priority: priorityOf(c),
    signal: c.req.raw.signal,
    accept: c.req.header("accept"),
    ...routing,
  };
}

export function openaiRoutes(deps: OpenaiRoutesDeps): Hono {
  const app = new Hono();
  for (const [path, apiKind] of ROUTES) {
    app.post(path, async (c) => deps.proxy.handle(await readProxyCall(deps, c, apiKind, path)));
  }
  return app;
}
