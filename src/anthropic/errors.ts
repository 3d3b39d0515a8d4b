// Owns the Anthropic error vocabulary: HTTP status → Anthropic error `type`, the error body, and reading the
// message out of an upstream's (OpenAI- or Ollama-shaped) error body. Pure.
import type { AppError } from "../errors.js";
import type { AnthropicErrorBody } from "./types.js";

/** Anthropic's documented status → type table; anything else by its class. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      return status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
  }
}

export function anthropicErrorBody(status: number, message: string): AnthropicErrorBody {
  return { type: "error", error: { type: anthropicErrorType(status), message } };
}

export function anthropicErrorOf(error: AppError): AnthropicErrorBody {
  return anthropicErrorBody(error.status, error.message);
}

/** `{"error":{"message"}}` (OpenAI, vLLM, llama.cpp), `{"error":"…"}` (Ollama), `{"message"}`, `{"detail"}`. */
export function upstreamErrorMessage(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const value = body as { error?: unknown; message?: unknown; detail?: unknown };
  if (typeof value.error === "string") return value.error;
  if (typeof value.error === "object" && value.error !== null) {
    const message = (value.error as { message?: unknown }).message;
    if (typeof message === "string") return message;
  }
  if (typeof value.message === "string") return value.message;
  if (typeof value.detail === "string") return value.detail;
  return null;
}

/** Parses an upstream error body's text for its message; the raw text (capped) when it is not JSON. */
export function upstreamErrorText(text: string): string {
  try {
    const message = upstreamErrorMessage(JSON.parse(text));
    if (message !== null) return message;
  } catch {
    // not JSON
  }
  const trimmed = text.trim();
  return trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed;
}

/** An upstream rejection that is about tool calling (the backend or model cannot do it). */
export function isToolSupportError(message: string): boolean {
  return /\btools?\b|tool[_ ]?(call|choice)|function[_ ]?call/i.test(message);
}
