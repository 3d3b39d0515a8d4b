// Owns a /v1/messages request's view of the upstream's answer (the proxy's ResponseShaper port): whole chat
// completions and relayed upstream errors become Anthropic messages / errors, streams go through the SSE
// translator, and the status the client must get when it differs from the upstream's (e.g. a backend that
// cannot do tool calling → 400). Keeps its own usage meter for the estimate (the proxy's meters the record).
import type { AppError } from "../errors.js";
import type { ResponseShaper, StreamShaper } from "../proxy/proxy-request.js";
import type { TokenCounter } from "../proxy/token-counter.js";
import { UsageMeter } from "../proxy/usage-meter.js";
import { anthropicErrorBody, anthropicErrorType, isToolSupportError, upstreamErrorText } from "./errors.js";
import { SseTranslate } from "./sse-translate.js";
import { StreamTranslator } from "./stream-translator.js";
import { type MessageContext, toAnthropicMessage } from "./to-message.js";
import type { ChatCompletionOut, ChatRequest } from "./types.js";

export interface MessagesShaping {
  /** The `msg_…` id given to the client. */
  id: string;
  /** The model name the client asked for. */
  model: string;
  /** The translated upstream request (stop sequences, tools, the prompt for input estimates). */
  chat: ChatRequest;
  /** Characters of prompt text (system, messages, tools): `message_start` guesses input tokens as ÷ 4. */
  promptChars: number;
  tokens: TokenCounter;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class MessagesShaper implements ResponseShaper {
  /** The client's status once an error body was shaped (null: the upstream's status stands). */
  status: number | null = null;
  private readonly meter: UsageMeter;
  private unmetered: ChatCompletionOut | null = null;
  private readonly context: MessageContext;

  constructor(private readonly shaping: MessagesShaping) {
    this.meter = new UsageMeter(shaping.tokens);
    this.context = {
      id: shaping.id,
      model: shaping.model,
      stopSequences: shaping.chat.stop ?? [],
      inputEstimate: Math.ceil(shaping.promptChars / 4),
      fallbackUsage: () => {
        if (this.unmetered) this.meter.observe(this.unmetered);
        this.unmetered = null;
        const count = this.meter.result(shaping.chat as unknown as Record<string, unknown>, false);
        return { input: count.inputTokens, output: count.outputTokens };
      },
    };
  }

  whole(body: Uint8Array, status: number, answer?: unknown): Uint8Array {
    if (status >= 400) return this.error(status, upstreamErrorText(decoder.decode(body)));
    let completion: ChatCompletionOut;
    try {
      completion = (answer ?? JSON.parse(decoder.decode(body))) as ChatCompletionOut;
    } catch {
      return this.error(502, "The backend's answer is not JSON");
    }
    // Metered only if the estimate is needed (a whole answer without usage).
    this.unmetered = completion;
    try {
      return encoder.encode(JSON.stringify(toAnthropicMessage(completion, this.context)));
    } catch (error) {
      const appError = error as AppError;
      return this.error(appError.status ?? 502, appError.message);
    }
  }

  stream(): StreamShaper {
    const sse = new SseTranslate(new StreamTranslator(this.context), (value) => this.meter.observe(value));
    return {
      push: (bytes) => sse.push(bytes),
      finish: () => sse.finish(),
      error: (error) => sse.fail(anthropicErrorType(error.status), error.message),
    };
  }

  /** An Anthropic error body; an upstream refusal about tools becomes a 400 that says so. */
  private error(status: number, message: string): Uint8Array {
    let clientStatus = status;
    let text = message === "" ? `The backend answered ${status}` : message;
    if ((this.shaping.chat.tools?.length ?? 0) > 0 && status !== 401 && isToolSupportError(text)) {
      clientStatus = 400;
      text = `The backend cannot run this request's tools: ${text}`;
    }
    this.status = clientStatus;
    return encoder.encode(JSON.stringify(anthropicErrorBody(clientStatus, text)));
  }
}
