// Owns the OpenAI-compatible inference routes: body limit, one JSON parse + validation, then the proxy.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { apiKeyIdOf } from "../auth/principal.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import type { ApiKind } from "../events/types.js";
import { parseJsonText, validate } from "../http/validate.js";
import { ProxyBodySchema, type ProxyCall } from "../proxy/proxy-request.js";

const ROUTES: [path: string, apiKind: ApiKind][] = [
  ["/v1/chat/completions", "chat_completions"],
  ["/v1/completions", "completions"],
  ["/v1/embeddings", "embeddings"],
  ["/v1/responses", "responses"],
];

export function openaiRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const limit = bodyLimit({
    maxSize: deps.config.maxBodyBytes,
    onError: () => {
      throw new AppError("payload_too_large", `Request body exceeds ${deps.config.maxBodyBytes} bytes`, {
        code: "request_too_large",
      });
    },
  });

  for (const [path, apiKind] of ROUTES) {
    app.post(path, limit, async (c) => {
      const rawBody = await c.req.text();
      const body = validate(ProxyBodySchema, parseJsonText(rawBody), "body");
      const call: ProxyCall = {
        apiKind,
        path,
        body,
        rawBody,
        requestId: c.get("requestId"),
        clientIp: deps.clientAddress(c),
        apiKeyId: apiKeyIdOf(c),
        signal: c.req.raw.signal,
        accept: c.req.header("accept"),
      };
      return deps.proxy.handle(call);
    });
  }
  return app;
}
