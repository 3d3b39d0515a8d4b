// Owns talking to an `anthropic` endpoint: chat completions go out as Messages requests and their answers
// (whole, streamed, errors) come back as chat completions, so metering and relaying see OpenAI's shape;
// /v1/messages passes through untranslated. Other API kinds are refused (400) before any byte is sent.
import { AppError } from "../errors.js";
import type { ProxyCall } from "../proxy/proxy-request.js";
import { collectBytes, type UpstreamResponse } from "../upstream/types.js";
import { fromChatRequest } from "./from-chat-request.js";
import {
  ChatChunkTranslator,
  type ChatContext,
  toChatCompletion,
  toOpenAiError,
} from "./to-chat-completion.js";

/** What one attempt sends to an endpoint, and how its answer is read back. */
export interface UpstreamTarget {
  path: string;
  body: string | AsyncIterable<Uint8Array>;
  /** The answer is already in the client's wire format: no route-family shaper runs on it. */
  raw: boolean;
  /** Turns the upstream's answer into OpenAI's shape (null: it already is). */
  translate: ((response: UpstreamResponse) => UpstreamResponse) | null;
}

const MESSAGES = "/v1/messages";
const encoder = new TextEncoder();

export function anthropicTarget(call: ProxyCall, model: string, context: ChatContext): UpstreamTarget {
  if (call.apiKind === "messages" && call.anthropicBody) {
    return {
      path: MESSAGES,
      body: JSON.stringify({ ...call.anthropicBody, model }),
      raw: true,
      translate: null,
    };
  }
  if (call.apiKind !== "chat_completions") {
    throw new AppError(
      "bad_request",
      `An anthropic endpoint serves chat completions and messages, not ${call.apiKind}`,
      {
        code: "unsupported_api",
        param: "model",
      },
    );
  }
  const body = JSON.stringify(fromChatRequest(call.body, model));
  return { path: MESSAGES, body, raw: false, translate: (response) => translated(response, context) };
}

function translated(response: UpstreamResponse, context: ChatContext): UpstreamResponse {
  const stream =
    response.status < 400 && (response.headers["content-type"] ?? "").includes("text/event-stream");
  const body = stream ? streamChunks(response.body, context) : wholeBody(response, context);
  const headers = { ...response.headers };
  if (!stream) headers["content-type"] = "application/json";
  const readAll = async () => {
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
    return text + decoder.decode();
  };
  return {
    status: response.status,
    headers,
    body,
    text: readAll,
    json: async () => JSON.parse(await readAll()),
    bytes: () => collectBytes(body),
    discard: () => response.discard(),
  };
}

async function* wholeBody(response: UpstreamResponse, context: ChatContext): AsyncIterable<Uint8Array> {
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: relayed as an error below (or as is for a 2xx, which the meter will estimate).
  }
  if (response.status >= 400) {
    yield encoder.encode(JSON.stringify(toOpenAiError(json, response.status)));
    return;
  }
  const message = json as Record<string, unknown> | null;
  yield encoder.encode(
    message && typeof message === "object" ? JSON.stringify(toChatCompletion(message, context)) : text,
  );
}

/** Anthropic SSE (event + data lines) → OpenAI chat completion chunks, ended by `data: [DONE]` (exported for tests). */
export async function* streamChunks(
  body: AsyncIterable<Uint8Array>,
  context: ChatContext,
): AsyncIterable<Uint8Array> {
  const translator = new ChatChunkTranslator(context);
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    const end = pending.lastIndexOf("\n");
    if (end < 0) continue;
    const lines = pending.slice(0, end).split("\n");
    pending = pending.slice(end + 1);
    let out = "";
    let done = false;
    for (const line of lines) {
      if (!line.startsWith("data:")) continue;
      let event: unknown;
      try {
        event = JSON.parse(line.slice(5));
      } catch {
        continue;
      }
      if (typeof event !== "object" || event === null) continue;
      const result = translator.event(event as Record<string, unknown>);
      for (const value of result.chunks) out += `data: ${JSON.stringify(value)}\n\n`;
      done ||= result.done;
    }
    if (done) out += "data: [DONE]\n\n";
    if (out !== "") yield encoder.encode(out);
  }
}
