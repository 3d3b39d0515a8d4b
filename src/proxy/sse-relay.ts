// Owns what happens to an upstream SSE stream on its way to the client: line splitting across chunks,
// metering every `data:` event, and the only two edits allowed (dropping the injected usage-only chunk,
// rewriting `"model"` back to the client's name). Pure; never holds a complete line back.
/** What sees every parsed `data:` event: the usage meter (and, when bodies are logged, a transcript). */
export interface StreamObserver {
  observe(value: unknown): void;
}

export interface ModelRewrite {
  /** The endpoint's model id, as it appears in upstream JSON. */
  from: string;
  /** The name the client asked for. */
  to: string;
}

/** Replaces every `"model": "<from>"` member in JSON text; byte-identical elsewhere. */
export function modelRewriter(rewrite: ModelRewrite): (text: string) => string {
  const from = JSON.stringify(rewrite.from).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`("model"\\s*:\\s*)${from}`, "g");
  const to = JSON.stringify(rewrite.to);
  const replacer = (_match: string, key: string) => key + to;
  return (text) => (text.includes('"model"') ? text.replace(pattern, replacer) : text);
}

const encoder = new TextEncoder();

export class SseRelay {
  private readonly decoder = new TextDecoder();
  /** Bytes after the last newline (an incomplete line). */
  private pending = "";
  /** Whether the last complete line was blank (the stream is between events). */
  private lastLineBlank = true;
  /** The usage-only event was dropped; its blank terminator line goes too. */
  private skipBlank = false;
  private readonly transform: boolean;
  private readonly rewrite: ((text: string) => string) | null;

  constructor(
    private readonly meter: StreamObserver,
    private readonly dropUsageOnly: boolean,
    modelRewrite: ModelRewrite | null,
  ) {
    this.rewrite = modelRewrite ? modelRewriter(modelRewrite) : null;
    this.transform = dropUsageOnly || this.rewrite !== null;
  }

  /**
   * Takes one upstream chunk and returns the bytes to forward now: the chunk itself when no edit is
   * needed (parsed beside it), else the edited complete lines (a partial line waits for its end).
   */
  push(chunk: Uint8Array): Uint8Array | null {
    const text = this.pending + this.decoder.decode(chunk, { stream: true });
    const lastNewline = text.lastIndexOf("\n");
    if (lastNewline < 0) {
      this.pending = text;
      return this.transform ? null : chunk;
    }
    this.pending = text.slice(lastNewline + 1);
    const out = this.lines(text, lastNewline + 1);
    if (!this.transform) return chunk;
    return out === "" ? null : encoder.encode(out);
  }

  /** The upstream ended: returns what is left to forward (an unterminated last line). */
  finish(): Uint8Array | null {
    const rest = this.pending + this.decoder.decode();
    this.pending = "";
    if (rest === "") return null;
    const out = this.lines(`${rest}\n`, rest.length + 1);
    if (!this.transform) return null; // already forwarded as it came
    // The synthetic newline was only for parsing; forward the line as the upstream sent it.
    return out === "" ? null : encoder.encode(out.endsWith("\n") ? out.slice(0, -1) : out);
  }

  /** An SSE error event that starts on an event boundary, whatever has been forwarded so far. */
  errorEvent(error: { message: string; type: string; code: string }): Uint8Array {
    let prefix = "";
    if (!this.transform && this.pending !== "") prefix = "\n\n";
    else if (!this.lastLineBlank) prefix = "\n";
    this.pending = "";
    return encoder.encode(`${prefix}data: ${JSON.stringify({ error })}\n\n`);
  }

  /** Meters (and, when transforming, edits) the complete lines in text[0, end). */
  private lines(text: string, end: number): string {
    let out = "";
    let start = 0;
    while (start < end) {
      const newline = text.indexOf("\n", start);
      const lineEnd = newline + 1;
      let line = text.slice(start, lineEnd);
      start = lineEnd;
      const blank = line === "\n" || line === "\r\n";
      if (blank && this.skipBlank) {
        this.skipBlank = false;
        continue;
      }
      this.skipBlank = false;
      this.lastLineBlank = blank;
      if (line.startsWith("data:") && this.onData(line)) {
        this.skipBlank = true;
        this.lastLineBlank = true;
        continue;
      }
      if (!this.transform) continue;
      if (this.rewrite && !blank) line = this.rewrite(line);
      out += line;
    }
    return out;
  }

  /** Meters one data line; true when it is the usage-only chunk the client must not see. */
  private onData(line: string): boolean {
    const payload = line.slice(line.charCodeAt(5) === 32 ? 6 : 5).trim();
    if (payload === "" || payload === "[DONE]") return false;
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return false;
    }
    this.meter.observe(value);
    if (!this.dropUsageOnly) return false;
    const chunk = value as { choices?: unknown; usage?: unknown };
    return (
      Array.isArray(chunk.choices) &&
      chunk.choices.length === 0 &&
      typeof chunk.usage === "object" &&
      chunk.usage !== null
    );
  }
}
