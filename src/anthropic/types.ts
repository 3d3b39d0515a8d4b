// Owns the wire shapes of both sides of the Messages translation: the Anthropic response, stream events and
// error body llmlb sends, and the subset of OpenAI chat completions it sends upstream and reads back.

export type AnthropicStopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  /** llmlb serves no prompt cache: always 0. */
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export type AnthropicContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

/** The non-streamed answer of POST /v1/messages. */
export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

export type AnthropicDelta =
  | { type: "text_delta"; text: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "input_json_delta"; partial_json: string };

export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
}

/** One streamed event; `type` doubles as the SSE `event:` name. */
export type AnthropicStreamEvent =
  | { type: "message_start"; message: AnthropicMessage }
  | { type: "content_block_start"; index: number; content_block: AnthropicContentBlock }
  | { type: "ping" }
  | { type: "content_block_delta"; index: number; delta: AnthropicDelta }
  | { type: "content_block_stop"; index: number }
  | {
      type: "message_delta";
      delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null };
      usage: AnthropicUsage;
    }
  | { type: "message_stop" }
  | AnthropicErrorBody;

// --- OpenAI chat completions (what every endpoint type is sent and answers) ---

export type ChatContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } };

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | ChatContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export type ChatToolChoice = "auto" | "required" | "none" | { type: "function"; function: { name: string } };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens: number;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  stop?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  user?: string;
  tools?: { type: "function"; function: { name: string; description?: string; parameters: object } }[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
}

/** What llmlb reads of a chat completion (whole, or one stream chunk's choice delta). */
export interface ChatMessageOut {
  content?: string | null;
  /** vLLM/DeepSeek `reasoning_content`; Ollama and newer vLLM say `reasoning`. */
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: ChatToolCallOut[] | null;
}

export interface ChatToolCallOut {
  /** Present in stream deltas: which call a fragment belongs to. */
  index?: number;
  id?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

export interface ChatChoiceOut {
  index?: number;
  message?: ChatMessageOut;
  delta?: ChatMessageOut;
  finish_reason?: string | null;
  /** vLLM: the stop string (or token id) that ended the generation. */
  stop_reason?: string | number | null;
}

export interface ChatCompletionOut {
  id?: string;
  choices?: ChatChoiceOut[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: unknown;
}
