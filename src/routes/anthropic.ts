// Owns the Anthropic Messages routes: POST /v1/messages (`?beta=true` accepted) translated onto the proxy
// pipeline as api_kind `messages`, and POST /v1/messages/count_tokens. Errors are rendered Anthropic-shaped
// by the app's error handler (see isAnthropicPath).
import { Hono } from "hono";
import { countTokens } from "../anthropic/count-tokens.js";
import { promptText } from "../anthropic/prompt-text.js";
import { CountTokensRequestSchema, MessagesRequestSchema } from "../anthropic/request-schema.js";
import { MessagesShaper } from "../anthropic/shaper.js";
import { toChatRequest } from "../anthropic/to-chat-request.js";
import { apiKeyIdOf, priorityOf } from "../auth/principal.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { readBodyText } from "../http/body-text.js";
import { clientConnection, clientSignal } from "../http/client-signal.js";
import { parseJsonText } from "../http/json-text.js";
import { securityHeadersOf, withReplyHeaders } from "../http/security-headers.js";
import { validate } from "../http/validate.js";
import type { ProxyBody, ProxyCall } from "../proxy/proxy-request.js";
import type { ModelRoute } from "../registry/types.js";

export const MESSAGES_PATH = "/v1/messages";

/** Paths whose errors use Anthropic's shape. */
export function isAnthropicPath(path: string): boolean {
  const canonical = path.replace(/\/{2,}/g, "/").toLowerCase();
  return canonical === MESSAGES_PATH || canonical.startsWith(`${MESSAGES_PATH}/`);
}

/** Backends that take `top_k`; OpenAI-compatible servers in general may reject it. */
const TOP_K_TYPES = new Set(["vllm", "llamacpp", "ollama", "lm_studio", "xllm"]);
const takesTopK = (routes: ModelRoute[]) =>
  routes.length > 0 && routes.every((route) => TOP_K_TYPES.has(route.endpoint.endpointType));

export function anthropicRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const maxBytes = deps.config.maxBodyBytes;

  app.post(MESSAGES_PATH, async (c) => {
    const request = validate(MessagesRequestSchema, parseJsonText(await readBodyText(c, maxBytes)), "body");
    const chat = toChatRequest(request, {
      model: request.model,
      topK: request.top_k !== undefined && takesTopK(deps.directory.routesFor(request.model)),
    });
    const shaper = new MessagesShaper({
      id: `msg_${crypto.randomUUID().replace(/-/g, "")}`,
      model: request.model,
      chat,
      // Only a stream's message_start needs it (before the backend's usage arrives).
      promptChars: request.stream ? promptText(request).length : 0,
      tokens: deps.tokens,
    });
    const call: ProxyCall = {
      apiKind: "messages",
      path: "/v1/chat/completions",
      body: chat as unknown as ProxyBody,
      shape: shaper,
      anthropicBody: request,
      requestId: c.get("requestId"),
      securityHeaders: securityHeadersOf(c),
      clientIp: deps.clientAddress(c),
      apiKeyId: apiKeyIdOf(c),
      priority: priorityOf(c),
      signal: clientSignal(c),
      connection: clientConnection(c),
      accept: request.stream ? "text/event-stream" : "application/json",
    };
    const response = await deps.proxy.handle(call);
    if (shaper.status === null) return withReplyHeaders(c, response);
    // An error body the shaper wrote (upstream error, untranslatable answer): its own status and type.
    const headers = new Headers(response.headers);
    headers.set("content-type", "application/json");
    return new Response(response.body, { status: shaper.status, headers });
  });

  app.post(`${MESSAGES_PATH}/count_tokens`, async (c) => {
    const request = validate(
      CountTokensRequestSchema,
      parseJsonText(await readBodyText(c, maxBytes)),
      "body",
    );
    if (!deps.directory.isKnownModel(request.model)) {
      throw new AppError("not_found", `The model '${request.model}' does not exist on any endpoint`, {
        code: "model_not_found",
        param: "model",
      });
    }
    return c.json(
      await countTokens(
        { directory: deps.directory, upstream: deps.upstream, tokens: deps.tokens },
        request.model,
        promptText(request),
        clientSignal(c),
      ),
    );
  });

  return app;
}
