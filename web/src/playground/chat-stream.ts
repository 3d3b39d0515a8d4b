// Owns one streamed chat answer in the browser: posts an OpenAI chat body (routed /v1 or pinned to an
// endpoint), reads the SSE stream as it comes (eventsource-parser), and measures what the footer shows
// (endpoint, TTFT, tok/s).
import { createParser } from "eventsource-parser";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { postForStream } from "../api/http.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatSettings {
  model: string;
  system: string;
  temperature: number;
  maxTokens: number;
}

/** What one answer measured; times in ms from sending, speeds in tokens/s. */
export interface AnswerFigures {
  endpoint: string | null;
  ttftMs: number | null;
  tokens: number;
  /** true when `tokens` counts chunks because the server sent no usage. */
  estimated: boolean;
  /** Output tokens / seconds after the first token. */
  tokensPerSec: number | null;
  durationMs: number;
}

export interface StreamCallbacks {
  onText(text: string): void;
  onFigures(figures: AnswerFigures): void;
}

/** The request body: system prompt first (when set), then the conversation. */
export function chatBody(settings: ChatSettings, messages: ChatMessage[]) {
  const all = settings.system.trim() ? [{ role: "system", content: settings.system }, ...messages] : messages;
  return {
    model: settings.model,
    messages: all,
    temperature: settings.temperature,
    max_tokens: settings.maxTokens,
    stream: true,
    stream_options: { include_usage: true },
  };
}

function figuresOf(
  started: number,
  first: number | null,
  tokens: number,
  estimated: boolean,
  endpoint: string | null,
) {
  const now = performance.now();
  const decodeSecs = first === null ? 0 : (now - first) / 1000;
  return {
    endpoint,
    ttftMs: first === null ? null : first - started,
    tokens,
    estimated,
    tokensPerSec: tokens > 1 && decodeSecs > 0 ? (tokens - 1) / decodeSecs : null,
    durationMs: now - started,
  };
}

/** Streams one answer; resolves with the final figures (also when stopped). Throws ApiError on refusal. */
export async function streamChat(url: string, body: unknown, signal: AbortSignal, on: StreamCallbacks) {
  const started = performance.now();
  const response = await postForStream(url, body, signal);
  const header = response.headers.get("x-llmlb-endpoint");
  const endpoint = header === null ? null : decodeURIComponent(header);
  let text = "";
  let first: number | null = null;
  let chunks = 0;
  let usage: number | null = null;
  // A mid-stream failure arrives as a data event carrying an OpenAI error: it ends the answer with it.
  const parser = createParser({
    onEvent: ({ data }) => {
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data) as ChatCompletionChunk & { error?: { message?: string } };
      if (chunk.error) throw new Error(chunk.error.message ?? "the stream ended with an error");
      const delta = chunk.choices?.[0]?.delta?.content;
      if (delta) {
        first ??= performance.now();
        chunks += 1;
        text += delta;
        on.onText(text);
      }
      if (chunk.usage) usage = chunk.usage.completion_tokens;
      on.onFigures(figuresOf(started, first, usage ?? chunks, usage === null, endpoint));
    },
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      parser.feed(decoder.decode(read.value, { stream: true }));
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  const figures = figuresOf(started, first, usage ?? chunks, usage === null, endpoint);
  on.onFigures(figures);
  return figures;
}
