// Owns translating an Anthropic Messages request into an OpenAI chat completions request. Pure; throws a
// 400 AppError for what no OpenAI-compatible backend can take (server tools, documents), never drops it.
import { AppError } from "../errors.js";
import type {
  AnthropicContentBlockParam,
  AnthropicImageBlockParam,
  AnthropicMessageParam,
  AnthropicToolChoice,
  AnthropicToolParam,
  MessagesRequest,
} from "./request-schema.js";
import type { ChatContentPart, ChatMessage, ChatRequest, ChatToolCall, ChatToolChoice } from "./types.js";

export interface ChatTarget {
  /** The model id as the chosen endpoint names it. */
  model: string;
  /** Whether the backend takes `top_k` (vLLM, llama.cpp, Ollama do; OpenAI's own API rejects it). */
  topK: boolean;
}

function invalid(message: string, param?: string): AppError {
  return new AppError("bad_request", message, { code: "invalid_request", ...(param ? { param } : {}) });
}

export function toChatRequest(request: MessagesRequest, target: ChatTarget): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(request.system);
  if (system !== null) messages.push({ role: "system", content: system });
  request.messages.forEach((message, index) => {
    messages.push(...translateMessage(message, index));
  });
  const chat: ChatRequest = { model: target.model, messages, max_tokens: request.max_tokens };
  if (request.stream) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  if (request.stop_sequences && request.stop_sequences.length > 0) chat.stop = request.stop_sequences;
  if (request.temperature !== undefined) chat.temperature = request.temperature;
  if (request.top_p !== undefined) chat.top_p = request.top_p;
  if (request.top_k !== undefined && target.topK) chat.top_k = request.top_k;
  if (request.metadata?.user_id) chat.user = request.metadata.user_id;
  addTools(chat, request.tools, request.tool_choice);
  return chat;
}

/** `system` as a string or text blocks → one system message's text (blocks joined by a blank line). */
export function systemText(system: MessagesRequest["system"]): string | null {
  if (system === undefined) return null;
  const text = typeof system === "string" ? system : system.map((block) => block.text).join("\n\n");
  return text === "" ? null : text;
}

function translateMessage(message: AnthropicMessageParam, index: number): ChatMessage[] {
  if (typeof message.content === "string") return [{ role: message.role, content: message.content }];
  return message.role === "assistant"
    ? [assistantMessage(message.content, index)]
    : userMessages(message.content, index);
}

function assistantMessage(blocks: AnthropicContentBlockParam[], index: number): ChatMessage {
  let text = "";
  const toolCalls: ChatToolCall[] = [];
  for (const block of blocks) {
    if (block.type === "text") text += block.text;
    else if (block.type === "tool_use") {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input) },
      });
    } else if (block.type === "image" || block.type === "tool_result") {
      throw invalid(`messages.${index}: an assistant message cannot hold a ${block.type} block`, "messages");
    }
    // thinking / redacted_thinking: the model's own earlier reasoning; OpenAI chat has no input for it.
  }
  const message: ChatMessage = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

/**
 * A user turn: its tool_result blocks become `tool` messages first (they must follow the assistant's
 * tool_calls), then the rest as one user message. Images inside a tool result follow as a user message.
 */
function userMessages(blocks: AnthropicContentBlockParam[], index: number): ChatMessage[] {
  const tools: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  const toolImages: ChatContentPart[] = [];
  for (const block of blocks) {
    if (block.type === "text") parts.push({ type: "text", text: block.text });
    else if (block.type === "image") parts.push(imagePart(block));
    else if (block.type === "tool_result") {
      let text = "";
      if (typeof block.content === "string") text = block.content;
      else {
        for (const part of block.content ?? []) {
          if (part.type === "text") text += (text === "" ? "" : "\n") + part.text;
          else toolImages.push(imagePart(part));
        }
      }
      if (block.is_error) text = `Error: ${text}`;
      tools.push({ role: "tool", tool_call_id: block.tool_use_id, content: text });
    } else {
      throw invalid(`messages.${index}: a user message cannot hold a ${block.type} block`, "messages");
    }
  }
  const out = tools;
  const content = [...toolImages, ...parts];
  if (content.length > 0) {
    const onlyText = content.every((part) => part.type === "text");
    out.push({
      role: "user",
      content: onlyText ? content.map((part) => (part as { text: string }).text).join("\n") : content,
    });
  }
  return out;
}

function imagePart(block: AnthropicImageBlockParam): ChatContentPart {
  const source = block.source;
  const url = source.type === "base64" ? `data:${source.media_type};base64,${source.data}` : source.url;
  return { type: "image_url", image_url: { url } };
}

function addTools(
  chat: ChatRequest,
  tools: AnthropicToolParam[] | undefined,
  choice: AnthropicToolChoice | undefined,
): void {
  if (tools && tools.length > 0) {
    chat.tools = tools.map((tool) => {
      if (tool.type && tool.type !== "custom") {
        throw invalid(
          `Tool '${tool.name}' is an Anthropic server tool (${tool.type}); llmlb's backends run only client tools`,
          "tools",
        );
      }
      const fn: { name: string; description?: string; parameters: object } = {
        name: tool.name,
        parameters: tool.input_schema ?? { type: "object", properties: {} },
      };
      if (tool.description !== undefined) fn.description = tool.description;
      return { type: "function" as const, function: fn };
    });
  }
  if (!choice || (choice.type === "none" && !chat.tools)) return;
  if (!chat.tools) {
    throw invalid(`tool_choice '${choice.type}' needs tools`, "tool_choice");
  }
  if (choice.type === "tool" && !tools?.some((tool) => tool.name === choice.name)) {
    throw invalid(`tool_choice names '${choice.name}', which is not in tools`, "tool_choice");
  }
  chat.tool_choice = chatToolChoice(choice);
  if ("disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use === true) {
    chat.parallel_tool_calls = false;
  }
}

function chatToolChoice(choice: AnthropicToolChoice): ChatToolChoice {
  switch (choice.type) {
    case "auto":
      return "auto";
    case "any":
      return "required";
    case "none":
      return "none";
    case "tool":
      return { type: "function", function: { name: choice.name } };
  }
}
