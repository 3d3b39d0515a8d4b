// Owns answering count_tokens: the upstream's own tokenizer when one of the model's endpoints has one
// (llama.cpp `POST /tokenize`), else the local estimator. A service: I/O only through the given client.

import type { TokenCounter } from "../proxy/token-counter.js";
import type { EndpointDirectory, ModelRoute } from "../registry/types.js";
import type { CancelSignal, UpstreamClient } from "../upstream/types.js";

export interface CountTokensDeps {
  directory: EndpointDirectory;
  upstream: UpstreamClient;
  tokens: TokenCounter;
}

export interface TokenCountResult {
  input_tokens: number;
}

/** Endpoint types with a tokenizer route llmlb can call without running the model. */
const TOKENIZERS: Partial<Record<ModelRoute["endpoint"]["endpointType"], string>> = { llamacpp: "/tokenize" };

const TOKENIZE_TIMEOUT_MS = 5000;

export async function countTokens(
  deps: CountTokensDeps,
  model: string,
  text: string,
  signal: CancelSignal | null,
): Promise<TokenCountResult> {
  for (const route of deps.directory.routesFor(model)) {
    const path = TOKENIZERS[route.endpoint.endpointType];
    if (!path) continue;
    const counted = await tokenize(deps, route, path, text, signal);
    if (counted !== null) return { input_tokens: counted };
  }
  await deps.tokens.loaded();
  return { input_tokens: deps.tokens.count(text) };
}

/** The upstream's token count, or null when it could not give one (the estimator answers instead). */
async function tokenize(
  deps: CountTokensDeps,
  route: ModelRoute,
  path: string,
  text: string,
  signal: CancelSignal | null,
): Promise<number | null> {
  const apiKey = deps.directory.apiKeyOf(route.endpoint.id);
  try {
    const response = await deps.upstream.request({
      method: "POST",
      url: route.endpoint.baseUrl + path,
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      },
      body: JSON.stringify({ content: text, add_special: true }),
      signal: signal ?? undefined,
      headersTimeoutMs: TOKENIZE_TIMEOUT_MS,
      bodyTimeoutMs: TOKENIZE_TIMEOUT_MS,
    });
    if (response.status !== 200) {
      await response.discard();
      return null;
    }
    const body = (await response.json()) as { tokens?: unknown };
    return Array.isArray(body.tokens) ? body.tokens.length : null;
  } catch {
    return null;
  }
}
