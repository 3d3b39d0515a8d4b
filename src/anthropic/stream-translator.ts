// Owns the streaming translation as an incremental state machine: OpenAI chat chunks in, Anthropic stream
// events out, in Anthropic's order (message_start, one content block at a time — thinking, text runs, each
// tool call — a ping after the first block opens, message_delta, message_stop). Pure; holds nothing back.
import {
  type MessageContext,
  matchedStop,
  type StopInfo,
  stopInfo,
  toolUseId,
  usageOf,
} from "./to-message.js";
import type { AnthropicStreamEvent, ChatCompletionOut, ChatToolCallOut } from "./types.js";

type OpenBlock =
  | { kind: "thinking" | "text"; index: number }
  | {
      kind: "tool";
      index: number;
      /** The upstream's tool_calls[].index (negative when it sent none). */
      call: number;
      /** The upstream's call id (or the one llmlb gave it). */
      id: string;
    };

export class StreamTranslator {
  private started = false;
  private pinged = false;
  private finished = false;
  private nextIndex = 0;
  private open: OpenBlock | null = null;
  /** Upstream tool call indexes whose block was already closed (late fragments cannot be re-opened). */
  private readonly closedCalls = new Set<number>();
  private toolCalls = 0;
  private stop: StopInfo | null = null;
  private usage: ChatCompletionOut["usage"] = null;

  constructor(private readonly context: MessageContext) {}

  /** One parsed upstream chunk → the events to send now. */
  push(chunk: ChatCompletionOut): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    if (this.finished) return events;
    this.start(events);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return events;
    const delta = choice.delta ?? choice.message ?? {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (reasoning) this.append(events, "thinking", reasoning);
    if (delta.content) this.append(events, "text", delta.content);
    for (const call of delta.tool_calls ?? []) this.toolFragment(events, call);
    if (choice.finish_reason) {
      this.stop = stopInfo(choice.finish_reason, matchedStop(choice), this.context.stopSequences);
    }
    return events;
  }

  /** The upstream ended (or sent [DONE]): close the open block, then message_delta and message_stop. */
  finish(): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    if (this.finished) return events;
    this.start(events);
    this.closeOpen(events);
    this.ping(events);
    this.finished = true;
    const stop = this.stop ?? { stop_reason: "end_turn", stop_sequence: null };
    if (stop.stop_reason === "end_turn" && this.toolCalls > 0) stop.stop_reason = "tool_use";
    events.push({
      type: "message_delta",
      delta: { stop_reason: stop.stop_reason, stop_sequence: stop.stop_sequence },
      usage: usageOf(this.usage, this.context.fallbackUsage),
    });
    events.push({ type: "message_stop" });
    return events;
  }

  /** A failure after the first byte: the stream ends with an `error` event and nothing after it. */
  fail(type: string, message: string): AnthropicStreamEvent[] {
    if (this.finished) return [];
    this.finished = true;
    return [{ type: "error", error: { type, message } }];
  }

  get done(): boolean {
    return this.finished;
  }

  private start(events: AnthropicStreamEvent[]): void {
    if (this.started) return;
    this.started = true;
    events.push({
      type: "message_start",
      message: {
        id: this.context.id,
        type: "message",
        role: "assistant",
        model: this.context.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Final counts come in message_delta; input here is the estimate until the backend reports usage.
        usage: {
          input_tokens: this.context.inputEstimate,
          output_tokens: 0,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    });
  }

  private ping(events: AnthropicStreamEvent[]): void {
    if (this.pinged) return;
    this.pinged = true;
    events.push({ type: "ping" });
  }

  private openBlock(events: AnthropicStreamEvent[], block: OpenBlock, content: AnthropicStreamEvent): void {
    this.closeOpen(events);
    this.open = block;
    this.nextIndex += 1;
    events.push(content);
    this.ping(events);
  }

  private closeOpen(events: AnthropicStreamEvent[]): void {
    const open = this.open;
    if (!open) return;
    if (open.kind === "tool") this.closedCalls.add(open.call);
    events.push({ type: "content_block_stop", index: open.index });
    this.open = null;
  }

  private append(events: AnthropicStreamEvent[], kind: "thinking" | "text", text: string): void {
    if (this.open?.kind !== kind) {
      const index = this.nextIndex;
      const content_block =
        kind === "text"
          ? { type: "text" as const, text: "" }
          : { type: "thinking" as const, thinking: "", signature: "" };
      this.openBlock(events, { kind, index }, { type: "content_block_start", index, content_block });
    }
    const index = (this.open as OpenBlock).index;
    events.push({
      type: "content_block_delta",
      index,
      delta: kind === "text" ? { type: "text_delta", text } : { type: "thinking_delta", thinking: text },
    });
  }

  /**
   * A tool call fragment: one that starts a call (a new index, or a new id) opens a tool_use block, the
   * rest stream their argument text as input_json_delta. Calls without `index` (whole calls per chunk, as
   * Ollama sends them) each get a block.
   */
  private toolFragment(events: AnthropicStreamEvent[], call: ChatToolCallOut): void {
    const open = this.open?.kind === "tool" ? this.open : null;
    const same =
      open !== null && (call.id ? call.id === open.id : call.index === undefined || call.index === open.call);
    if (!same) {
      // A late fragment of a call whose block is closed cannot be sent (blocks never interleave).
      if (!call.id && call.index !== undefined && this.closedCalls.has(call.index)) return;
      const index = this.nextIndex;
      const id = toolUseId(call.id, this.context.id, this.toolCalls);
      this.openBlock(
        events,
        { kind: "tool", index, call: call.index ?? -1 - this.toolCalls, id: call.id ?? id },
        {
          type: "content_block_start",
          index,
          content_block: { type: "tool_use", id, name: call.function?.name ?? "", input: {} },
        },
      );
      this.toolCalls += 1;
    }
    const args = call.function?.arguments;
    if (args) {
      events.push({
        type: "content_block_delta",
        index: (this.open as OpenBlock).index,
        delta: { type: "input_json_delta", partial_json: args },
      });
    }
  }
}
