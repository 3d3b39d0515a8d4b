// Owns the Messages translation run in reverse for `anthropic` endpoints' answers: an Anthropic message → an
// OpenAI chat completion, an Anthropic stream → chat completion chunks, an Anthropic error → an OpenAI error
// body (the inverses of to-message.ts and stream-translator.ts; round trips are tested). Pure.

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Anthropic stop_reason → OpenAI finish_reason (the inverse of stopInfo in to-message.ts). */
export function finishReason(stopReason: unknown): string | null {
  switch (stopReason) {
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    case null:
    case undefined:
      return null;
    default:
      return "stop";
  }
}

/** Context of one answer: the chat completion id and creation time (epoch seconds) given to the client. */
export interface ChatContext {
  id: string;
  created: number;
}

function usageOf(usage: unknown): Json | undefined {
  if (!isObject(usage)) return undefined;
  const prompt = typeof usage.input_tokens === "number" ? usage.input_tokens : 0;
  const completion = typeof usage.output_tokens === "number" ? usage.output_tokens : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** A whole Anthropic message → a chat completion. */
export function toChatCompletion(message: Json, context: ChatContext): Json {
  let text = "";
  let reasoning = "";
  const toolCalls: Json[] = [];
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isObject(block)) continue;
    if (block.type === "text" && typeof block.text === "string") text += block.text;
    else if (block.type === "thinking" && typeof block.thinking === "string") reasoning += block.thinking;
    else if (block.type === "tool_use") {
      const args = JSON.stringify(block.input ?? {});
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: args } });
    }
  }
  const reply: Json = { role: "assistant", content: text === "" && toolCalls.length > 0 ? null : text };
  if (reasoning !== "") reply.reasoning_content = reasoning;
  if (toolCalls.length > 0) reply.tool_calls = toolCalls;
  const completion: Json = {
    id: context.id,
    object: "chat.completion",
    created: context.created,
    model: message.model,
    choices: [{ index: 0, message: reply, finish_reason: finishReason(message.stop_reason) }],
  };
  const usage = usageOf(message.usage);
  if (usage) completion.usage = usage;
  return completion;
}

/** An Anthropic error body → the OpenAI error shape (type kept, no code). */
export function toOpenAiError(body: unknown, status: number): Json {
  const error = isObject(body) && isObject(body.error) ? body.error : null;
  const message = typeof error?.message === "string" ? error.message : `The upstream answered ${status}`;
  const type = typeof error?.type === "string" ? error.type : "upstream_error";
  return { error: { message, type, code: null } };
}

/** Turns Anthropic stream events into chat completion chunks, one event at a time. */
export class ChatChunkTranslator {
  private model: unknown = null;
  private inputTokens = 0;
  private outputTokens = 0;
  /** Anthropic content block index → OpenAI tool call index. */
  private readonly toolIndex = new Map<number, number>();

  constructor(private readonly context: ChatContext) {}

  /** The chunks (JSON values) for one event; `done` once message_stop arrived. */
  event(event: Json): { chunks: Json[]; done: boolean } {
    switch (event.type) {
      case "message_start": {
        const message = isObject(event.message) ? event.message : {};
        this.model = message.model ?? null;
        const usage = isObject(message.usage) ? message.usage : {};
        if (typeof usage.input_tokens === "number") this.inputTokens = usage.input_tokens;
        return { chunks: [this.chunk({ role: "assistant", content: "" })], done: false };
      }
      case "content_block_start":
        return { chunks: this.blockStart(event), done: false };
      case "content_block_delta":
        return { chunks: this.blockDelta(event), done: false };
      case "message_delta": {
        const usage = isObject(event.usage) ? event.usage : {};
        if (typeof usage.output_tokens === "number") this.outputTokens = usage.output_tokens;
        if (typeof usage.input_tokens === "number") this.inputTokens = usage.input_tokens;
        const delta = isObject(event.delta) ? event.delta : {};
        return { chunks: [this.chunk({}, finishReason(delta.stop_reason))], done: false };
      }
      case "message_stop":
        return { chunks: [this.usageChunk()], done: true };
      case "error":
        return { chunks: [toOpenAiError(event, 500)], done: true };
      default:
        return { chunks: [], done: false };
    }
  }

  private blockStart(event: Json): Json[] {
    const block = isObject(event.content_block) ? event.content_block : {};
    if (block.type === "text" && typeof block.text === "string" && block.text !== "") {
      return [this.chunk({ content: block.text })];
    }
    if (block.type !== "tool_use") return [];
    const index = this.toolIndex.size;
    this.toolIndex.set(Number(event.index), index);
    const call = { index, id: block.id, type: "function", function: { name: block.name, arguments: "" } };
    return [this.chunk({ tool_calls: [call] })];
  }

  private blockDelta(event: Json): Json[] {
    const delta = isObject(event.delta) ? event.delta : {};
    if (delta.type === "text_delta") return [this.chunk({ content: delta.text })];
    if (delta.type === "thinking_delta") return [this.chunk({ reasoning_content: delta.thinking })];
    if (delta.type === "input_json_delta") {
      const index = this.toolIndex.get(Number(event.index)) ?? 0;
      return [this.chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] })];
    }
    return [];
  }

  private base(): Json {
    return {
      id: this.context.id,
      object: "chat.completion.chunk",
      created: this.context.created,
      model: this.model,
    };
  }

  private chunk(delta: Json, finish: string | null = null): Json {
    return { ...this.base(), choices: [{ index: 0, delta, finish_reason: finish }] };
  }

  /** The usage-only chunk (`include_usage`); the relay drops it when the client did not ask. */
  private usageChunk(): Json {
    return {
      ...this.base(),
      choices: [],
      usage: usageOf({ input_tokens: this.inputTokens, output_tokens: this.outputTokens }),
    };
  }
}
