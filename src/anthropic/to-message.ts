// Owns translating a whole OpenAI chat completion into an Anthropic message, and the stop-reason rules the
// stream translator shares. Pure.
import { AppError } from "../errors.js";
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStopReason,
  AnthropicUsage,
  ChatChoiceOut,
  ChatCompletionOut,
} from "./types.js";

export interface MessageContext {
  /** The `msg_…` id given to the client. */
  id: string;
  /** The model name the client asked for. */
  model: string;
  /** The request's stop_sequences (to report which one matched). */
  stopSequences: readonly string[];
  /** Tokens when the upstream reported no usage (estimated by the caller). */
  fallbackUsage(): { input: number; output: number };
  /** A cheap input-token guess for `message_start`, before the backend reports usage (no tokenizer run). */
  inputEstimate: number;
}

export interface StopInfo {
  stop_reason: AnthropicStopReason;
  stop_sequence: string | null;
}

/**
 * OpenAI finish_reason → Anthropic stop_reason. `stop` is `stop_sequence` only when the backend says which
 * sequence matched (vLLM's `stop_reason`; `stopping_word`, llama.cpp's native name); otherwise `end_turn`.
 */
export function stopInfo(
  finishReason: string | null | undefined,
  matched: unknown,
  stopSequences: readonly string[],
): StopInfo {
  switch (finishReason) {
    case "length":
      return { stop_reason: "max_tokens", stop_sequence: null };
    case "tool_calls":
    case "function_call":
      return { stop_reason: "tool_use", stop_sequence: null };
    case "content_filter":
      return { stop_reason: "refusal", stop_sequence: null };
    default:
      if (typeof matched === "string" && stopSequences.includes(matched)) {
        return { stop_reason: "stop_sequence", stop_sequence: matched };
      }
      return { stop_reason: "end_turn", stop_sequence: null };
  }
}

/** The matched stop string a backend reported on a choice, if any. */
export function matchedStop(choice: ChatChoiceOut): unknown {
  return choice.stop_reason ?? (choice as { stopping_word?: unknown }).stopping_word;
}

export function usageOf(
  reported: ChatCompletionOut["usage"],
  fallback: () => { input: number; output: number },
): AnthropicUsage {
  const input = reported?.prompt_tokens;
  const output = reported?.completion_tokens;
  const estimate = typeof input === "number" && typeof output === "number" ? null : fallback();
  return {
    input_tokens: typeof input === "number" ? input : (estimate?.input ?? 0),
    output_tokens: typeof output === "number" ? output : (estimate?.output ?? 0),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

/** Tool arguments as the client's `input` object; text that is not a JSON object is a backend fault (502). */
export function toolInput(name: string, args: string | null | undefined): Record<string, unknown> {
  const text = (args ?? "").trim();
  if (text === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError(
      "bad_gateway",
      `The backend called tool '${name}' with arguments that are not a JSON object`,
      {
        code: "invalid_tool_arguments",
      },
    );
  }
  return value as Record<string, unknown>;
}

export function toolUseId(id: string | null | undefined, messageId: string, index: number): string {
  return id ? id : `toolu_${messageId.replace(/^msg_/, "")}_${index}`;
}

export function toAnthropicMessage(completion: ChatCompletionOut, context: MessageContext): AnthropicMessage {
  const choice = completion.choices?.[0];
  if (!choice) {
    throw new AppError("bad_gateway", "The backend answered without a choice", { code: "upstream_invalid" });
  }
  const out = choice.message ?? {};
  const content: AnthropicContentBlock[] = [];
  const reasoning = out.reasoning_content ?? out.reasoning;
  if (reasoning) content.push({ type: "thinking", thinking: reasoning, signature: "" });
  if (out.content) content.push({ type: "text", text: out.content });
  (out.tool_calls ?? []).forEach((call, index) => {
    const name = call.function?.name ?? "";
    content.push({
      type: "tool_use",
      id: toolUseId(call.id, context.id, index),
      name,
      input: toolInput(name, call.function?.arguments),
    });
  });
  const stop = stopInfo(choice.finish_reason, matchedStop(choice), context.stopSequences);
  // Some backends say "stop" even when they called tools.
  if (stop.stop_reason === "end_turn" && (out.tool_calls?.length ?? 0) > 0) stop.stop_reason = "tool_use";
  return {
    id: context.id,
    type: "message",
    role: "assistant",
    model: context.model,
    content,
    stop_reason: stop.stop_reason,
    stop_sequence: stop.stop_sequence,
    usage: usageOf(completion.usage, context.fallbackUsage),
  };
}
