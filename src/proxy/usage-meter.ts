// Owns token accounting for one proxied request: reported usage in every known shape (OpenAI chat /
// completions / Responses / audio / images, Anthropic messages, Ollama eval counts, llama.cpp timings),
// else an estimate from the text (counted by the injected TokenCounter). Pure.
import type { TokenCounter } from "./token-counter.js";

export interface TokenCount {
  inputTokens: number;
  outputTokens: number;
  /** true when a count had to be estimated from text because the upstream reported none. */
  estimated: boolean;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const count = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : null;

/** Bound on the values visited per request body: the estimate stops there instead of walking on. */
export const MAX_PROMPT_NODES = 100_000;

/**
 * Collects the text of a prompt in any of the request shapes (messages, prompt, input, instructions),
 * depth-first in document order with an explicit stack (no recursion: any nesting is safe), visiting at most
 * MAX_PROMPT_NODES values.
 */
function promptText(root: unknown, parts: string[]): void {
  const stack: unknown[] = [root];
  let visited = 0;
  while (stack.length > 0 && visited++ < MAX_PROMPT_NODES) {
    const value = stack.pop();
    if (typeof value === "string") parts.push(value);
    else if (typeof value === "number") parts.push(" x");
    else if (Array.isArray(value)) for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
    else if (isObject(value)) {
      // `text` after `content`, as the recursive walk read them.
      if (typeof value.text === "string") stack.push(value.text);
      if ("content" in value) stack.push(value.content);
    }
  }
}

/** Input tokens of a request body, estimated (used only when the upstream reported none). */
export function estimateInputTokens(body: Json, tokens: TokenCounter): number {
  const parts: string[] = [];
  promptText(body.messages, parts);
  promptText(body.prompt, parts);
  promptText(body.input, parts);
  promptText(body.instructions, parts);
  return tokens.count(parts.join("\n"));
}

/** An estimate that fails counts 0 tokens: a request is always recorded, whatever its body holds. */
function safeEstimate(estimate: () => number): number {
  try {
    return estimate();
  } catch {
    return 0;
  }
}

export class UsageMeter {
  /** OpenAI-shaped usage (chat/completions `usage`, Responses `response.usage`). */
  private usageInput: number | null = null;
  private usageOutput: number | null = null;
  /** Ollama eval_count / prompt_eval_count. */
  private ollamaInput: number | null = null;
  private ollamaOutput: number | null = null;
  /** llama.cpp timings.prompt_n / predicted_n. */
  private llamaInput: number | null = null;
  private llamaOutput: number | null = null;
  /** Generated text seen so far, for the estimate. */
  private text = "";

  constructor(private readonly tokens: TokenCounter) {}

  /** Takes one parsed JSON value: a stream chunk, a Responses event, or a whole response body. */
  observe(value: unknown): void {
    if (!isObject(value)) return;
    // Anthropic's message_start carries its usage inside `message` (an anthropic endpoint's /v1/messages).
    const response = isObject(value.response)
      ? value.response
      : isObject(value.message)
        ? value.message
        : null;
    const usage = isObject(value.usage)
      ? value.usage
      : response && isObject(response.usage)
        ? response.usage
        : null;
    if (usage) {
      const input = count(usage.prompt_tokens) ?? count(usage.input_tokens);
      const output = count(usage.completion_tokens) ?? count(usage.output_tokens);
      if (input !== null) this.usageInput = input;
      if (output !== null) this.usageOutput = output;
    }
    const evalCount = count(value.eval_count);
    if (evalCount !== null) this.ollamaOutput = evalCount;
    const promptEvalCount = count(value.prompt_eval_count);
    if (promptEvalCount !== null) this.ollamaInput = promptEvalCount;
    if (isObject(value.timings)) {
      const predicted = count(value.timings.predicted_n);
      const prompt = count(value.timings.prompt_n);
      if (predicted !== null) this.llamaOutput = predicted;
      if (prompt !== null) this.llamaInput = prompt;
    }
    this.collectText(value);
  }

  /** true once any source reported output tokens (an estimate will not be needed). */
  get reported(): boolean {
    return this.usageOutput !== null || this.ollamaOutput !== null || this.llamaOutput !== null;
  }

  /** The final count; `requestBody` is used only to estimate input tokens nobody reported. noTextOutput: embeddings, audio, images. */
  result(requestBody: Json, noTextOutput: boolean): TokenCount {
    let estimated = false;
    // Output that is not text (embeddings, audio, images) counts only what the upstream reported.
    let output = this.usageOutput ?? this.ollamaOutput ?? this.llamaOutput ?? (noTextOutput ? 0 : null);
    if (output === null) {
      output = safeEstimate(() => this.tokens.count(this.text));
      estimated = true;
    }
    let input = this.usageInput ?? this.ollamaInput ?? this.llamaInput;
    if (input === null) {
      input = safeEstimate(() => estimateInputTokens(requestBody, this.tokens));
      estimated = true;
    }
    return { inputTokens: input, outputTokens: output, estimated };
  }

  private collectText(value: Json): void {
    if (Array.isArray(value.choices)) {
      for (const choice of value.choices) {
        if (!isObject(choice)) continue;
        if (typeof choice.text === "string") this.text += choice.text;
        const message = isObject(choice.delta)
          ? choice.delta
          : isObject(choice.message)
            ? choice.message
            : null;
        if (!message) continue;
        if (typeof message.content === "string") this.text += message.content;
        if (typeof message.reasoning_content === "string") this.text += message.reasoning_content;
        if (Array.isArray(message.tool_calls)) {
          for (const call of message.tool_calls) {
            if (isObject(call) && isObject(call.function) && typeof call.function.arguments === "string") {
              this.text += call.function.arguments;
            }
          }
        }
      }
      return;
    }
    // A transcription or translation (`{"text": …}`).
    if (typeof value.text === "string") {
      this.text += value.text;
      return;
    }
    // Responses API: streamed deltas, or the output items of a whole response.
    if (value.type === "response.output_text.delta" && typeof value.delta === "string") {
      this.text += value.delta;
      return;
    }
    if (value.object === "response" && Array.isArray(value.output)) {
      for (const item of value.output) {
        if (!isObject(item) || !Array.isArray(item.content)) continue;
        for (const part of item.content)
          if (isObject(part) && typeof part.text === "string") this.text += part.text;
      }
    }
  }
}
