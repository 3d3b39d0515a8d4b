// Owns the byte side of the streaming translation: upstream SSE bytes (split anywhere, UTF-8 included) →
// complete `data:` payloads → StreamTranslator → Anthropic SSE bytes. Every parsed payload is handed to
// `observe` (token metering) before it is translated. Pure.

import { upstreamErrorMessage } from "./errors.js";
import type { StreamTranslator } from "./stream-translator.js";
import type { AnthropicStreamEvent, ChatCompletionOut } from "./types.js";

const encoder = new TextEncoder();

/** `event: <type>` + `data: <json>` per event, each ended by a blank line. */
export function encodeEvents(events: readonly AnthropicStreamEvent[]): string {
  let out = "";
  for (const event of events) out += `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
  return out;
}

export class SseTranslate {
  private readonly decoder = new TextDecoder();
  private pending = "";

  constructor(
    private readonly translator: StreamTranslator,
    private readonly observe: (value: unknown) => void,
  ) {}

  /** One upstream chunk → the client's bytes for it (null when it completed no event). */
  push(chunk: Uint8Array): Uint8Array | null {
    const text = this.pending + this.decoder.decode(chunk, { stream: true });
    const lastNewline = text.lastIndexOf("\n");
    if (lastNewline < 0) {
      this.pending = text;
      return null;
    }
    this.pending = text.slice(lastNewline + 1);
    return this.bytes(this.lines(text.slice(0, lastNewline)));
  }

  /** The upstream body ended: its last unterminated line, then the closing events. */
  finish(): Uint8Array {
    const rest = this.pending + this.decoder.decode();
    this.pending = "";
    const events = this.lines(rest);
    events.push(...this.translator.finish());
    return encoder.encode(encodeEvents(events));
  }

  /** A failure after the first byte: an `error` event (nothing after it). */
  fail(type: string, message: string): Uint8Array {
    return encoder.encode(encodeEvents(this.translator.fail(type, message)));
  }

  private bytes(events: AnthropicStreamEvent[]): Uint8Array | null {
    return events.length === 0 ? null : encoder.encode(encodeEvents(events));
  }

  private lines(text: string): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    for (const raw of text.split("\n")) {
      if (!raw.startsWith("data:")) continue;
      const payload = raw.slice(raw.charCodeAt(5) === 32 ? 6 : 5).trim();
      if (payload === "") continue;
      if (payload === "[DONE]") {
        events.push(...this.translator.finish());
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(payload);
      } catch {
        continue; // not JSON: nothing a client could use
      }
      this.observe(value);
      const chunk = value as ChatCompletionOut;
      if (chunk.error !== undefined) {
        const message = upstreamErrorMessage(chunk) ?? "The backend reported an error mid-stream";
        events.push(...this.translator.fail("api_error", message));
        continue;
      }
      events.push(...this.translator.push(chunk));
    }
    return events;
  }
}
