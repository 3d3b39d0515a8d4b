// Owns the reassembly of a streamed answer for the request log (LLMLB_LOG_BODIES): the parsed SSE events
// of an OpenAI chat / completions / Responses or Anthropic Messages stream become one response object
// (final text, tool calls, finish reason, usage), never the raw SSE. Pure. Text kept is bounded by
// `maxChars`; past it `truncated` is set and further text is dropped (the stored body is capped anyway).

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

interface ToolCall {
  id?: string;
  type: string;
  name: string;
  arguments: string;
}

interface Choice {
  role: string;
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
}

export class StreamTranscript {
  private readonly choices = new Map<number, Choice>();
  private id: string | undefined;
  private created: number | undefined;
  private usage: Json | undefined;
  /** A Responses stream's final `response` object (complete on its own). */
  private finalResponse: Json | undefined;
  private kept = 0;
  private events = 0;
  truncated = false;

  constructor(private readonly maxChars: number) {}

  /** Takes one parsed `data:` value of the stream. */
  observe(value: unknown): void {
    if (!isObject(value)) return;
    this.events++;
    this.id ??= str(value.id);
    if (typeof value.created === "number") this.created ??= value.created;
    if (isObject(value.usage)) this.usage = { ...this.usage, ...value.usage };
    if (Array.isArray(value.choices)) {
      for (const choice of value.choices) if (isObject(choice)) this.openAiChoice(choice);
      return;
    }
    const type = str(value.type);
    if (type !== undefined) this.typedEvent(type, value);
  }

  private choice(index: number): Choice {
    let choice = this.choices.get(index);
    if (!choice) {
      choice = { role: "assistant", text: "", reasoning: "", toolCalls: [], finishReason: null };
      this.choices.set(index, choice);
    }
    return choice;
  }

  /** Appends within the text budget; returns what was kept. */
  private keep(current: string, more: string): string {
    const room = this.maxChars - this.kept;
    if (room <= 0) {
      if (more.length > 0) this.truncated = true;
      return current;
    }
    const part = more.length > room ? more.slice(0, room) : more;
    if (part.length < more.length) this.truncated = true;
    this.kept += part.length;
    return current + part;
  }

  private openAiChoice(raw: Json): void {
    const choice = this.choice(typeof raw.index === "number" ? raw.index : 0);
    const finish = str(raw.finish_reason);
    if (finish !== undefined) choice.finishReason = finish;
    if (typeof raw.text === "string") choice.text = this.keep(choice.text, raw.text);
    const delta = isObject(raw.delta) ? raw.delta : null;
    if (!delta) return;
    if (typeof delta.role === "string") choice.role = delta.role;
    if (typeof delta.content === "string") choice.text = this.keep(choice.text, delta.content);
    if (typeof delta.reasoning_content === "string") {
      choice.reasoning = this.keep(choice.reasoning, delta.reasoning_content);
    }
    if (!Array.isArray(delta.tool_calls)) return;
    for (const call of delta.tool_calls) {
      if (!isObject(call)) continue;
      const at = typeof call.index === "number" ? call.index : choice.toolCalls.length;
      let tool = choice.toolCalls[at];
      if (!tool) {
        tool = { type: "function", name: "", arguments: "" };
        choice.toolCalls[at] = tool;
      }
      if (typeof call.id === "string") tool.id = call.id;
      if (typeof call.type === "string") tool.type = call.type;
      const fn = isObject(call.function) ? call.function : null;
      if (typeof fn?.name === "string") tool.name += fn.name;
      if (typeof fn?.arguments === "string") tool.arguments = this.keep(tool.arguments, fn.arguments);
    }
  }

  /** Responses API and Anthropic Messages events (both carry a `type`). */
  private typedEvent(type: string, value: Json): void {
    const choice = this.choice(0);
    if (type === "response.output_text.delta" && typeof value.delta === "string") {
      choice.text = this.keep(choice.text, value.delta);
    } else if (
      (type === "response.completed" || type === "response.incomplete") &&
      isObject(value.response)
    ) {
      this.finalResponse = value.response;
    } else if (type === "message_start" && isObject(value.message)) {
      this.id ??= str(value.message.id);
      if (isObject(value.message.usage)) this.usage = { ...value.message.usage };
    } else if (type === "content_block_start" && isObject(value.content_block)) {
      const block = value.content_block;
      if (block.type === "tool_use") {
        choice.toolCalls.push({
          id: str(block.id),
          type: "tool_use",
          name: str(block.name) ?? "",
          arguments: "",
        });
      }
    } else if (type === "content_block_delta" && isObject(value.delta)) {
      const delta = value.delta;
      if (typeof delta.text === "string") choice.text = this.keep(choice.text, delta.text);
      if (typeof delta.thinking === "string") choice.reasoning = this.keep(choice.reasoning, delta.thinking);
      const tool = choice.toolCalls[choice.toolCalls.length - 1];
      if (typeof delta.partial_json === "string" && tool)
        tool.arguments = this.keep(tool.arguments, delta.partial_json);
    } else if (type === "message_delta" && isObject(value.delta)) {
      const stop = str(value.delta.stop_reason);
      if (stop !== undefined) choice.finishReason = stop;
    }
  }

  /** The reassembled answer as one JSON object (`model` as the client named it); null when nothing came. */
  result(model: string): Json | null {
    if (this.finalResponse) return { ...this.finalResponse, model, reassembled_from_stream: true };
    if (this.events === 0) return null;
    const choices = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, choice]) => ({
        index,
        message: {
          role: choice.role,
          content: choice.text,
          ...(choice.reasoning ? { reasoning_content: choice.reasoning } : {}),
          ...(choice.toolCalls.length > 0
            ? {
                tool_calls: choice.toolCalls.map((tool) => ({
                  ...(tool.id ? { id: tool.id } : {}),
                  type: tool.type,
                  function: { name: tool.name, arguments: tool.arguments },
                })),
              }
            : {}),
        },
        finish_reason: choice.finishReason,
      }));
    return {
      ...(this.id ? { id: this.id } : {}),
      ...(this.created !== undefined ? { created: this.created } : {}),
      model,
      choices,
      usage: this.usage ?? null,
      reassembled_from_stream: true,
    };
  }
}
