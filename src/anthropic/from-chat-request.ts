// Owns the Messages translation run in reverse for `anthropic` endpoints: an OpenAI chat completions request
// → an Anthropic Messages request (the inverse of to-chat-request.ts; round trips are tested). Pure; throws a
// 400 AppError for what the Messages API cannot take, never drops it silently.
import { AppError } from "../errors.js";

type Json = Record<string, unknown>;

/** max_tokens is required by the Messages API; used when the chat request sets none. */
export const DEFAULT_MAX_TOKENS = 4096;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function invalid(message: string, param?: string): AppError {
  return new AppError("bad_request", message, { code: "invalid_request", ...(param ? { param } : {}) });
}

/** A chat `image_url` part → an Anthropic image block (data URLs as base64, others by URL). */
function imageBlock(url: string): Json {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { type: "image", source: { type: "base64", media_type: data[1], data: data[2] } };
  return { type: "image", source: { type: "url", url } };
}

function contentBlocks(content: unknown, param: string): Json[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw invalid("content must be a string or an array of parts", param);
  return content.map((part, index) => {
    if (isObject(part) && part.type === "text" && typeof part.text === "string") {
      return { type: "text", text: part.text };
    }
    if (isObject(part) && part.type === "image_url") {
      const url = isObject(part.image_url) ? part.image_url.url : part.image_url;
      if (typeof url === "string") return imageBlock(url);
    }
    throw invalid("only text and image_url parts can be sent to an anthropic endpoint", `${param}.${index}`);
  });
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (isObject(part) && typeof part.text === "string" ? part.text : "")).join("");
}

function toolUse(call: unknown, param: string): Json {
  if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== "string") {
    throw invalid("a tool call needs function.name", param);
  }
  let input: unknown = {};
  const args = call.function.arguments;
  if (typeof args === "string" && args.trim() !== "") {
    try {
      input = JSON.parse(args);
    } catch {
      throw invalid("tool call arguments must be a JSON object", param);
    }
  }
  return { type: "tool_use", id: String(call.id ?? ""), name: call.function.name, input };
}

/** One chat message → its role and blocks (tool results are user blocks). */
function translate(message: unknown, index: number): { role: "user" | "assistant"; blocks: Json[] } | null {
  const param = `messages.${index}`;
  if (!isObject(message)) throw invalid("each message must be an object", param);
  switch (message.role) {
    case "system":
    case "developer":
      return null;
    case "user":
      return { role: "user", blocks: contentBlocks(message.content, `${param}.content`) };
    case "assistant": {
      const blocks = contentBlocks(message.content, `${param}.content`);
      const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
      calls.forEach((call, i) => {
        blocks.push(toolUse(call, `${param}.tool_calls.${i}`));
      });
      return { role: "assistant", blocks };
    }
    case "tool":
      return {
        role: "user",
        blocks: [
          {
            type: "tool_result",
            tool_use_id: String(message.tool_call_id ?? ""),
            content: textOf(message.content),
          },
        ],
      };
    default:
      throw invalid(`unsupported message role '${String(message.role)}'`, `${param}.role`);
  }
}

/** Messages alternate roles in the Messages API: consecutive same-role messages are merged. */
function conversation(messages: unknown[]): Json[] {
  const out: { role: string; content: Json[] }[] = [];
  messages.forEach((message, index) => {
    const translated = translate(message, index);
    if (!translated) return;
    const last = out.at(-1);
    if (last && last.role === translated.role) last.content.push(...translated.blocks);
    else out.push({ role: translated.role, content: translated.blocks });
  });
  return out.map((message) => {
    const only = message.content[0];
    // A lone text block as a plain string, as clients usually write it.
    if (message.content.length === 1 && only?.type === "text")
      return { role: message.role, content: only.text };
    return message;
  });
}

function systemOf(messages: unknown[]): string | null {
  const texts = messages
    .filter((message) => isObject(message) && (message.role === "system" || message.role === "developer"))
    .map((message) => textOf((message as Json).content));
  return texts.length > 0 ? texts.join("\n\n") : null;
}

function toolChoice(choice: unknown, parallel: unknown): Json | undefined {
  let out: Json | undefined;
  if (choice === "auto") out = { type: "auto" };
  else if (choice === "required") out = { type: "any" };
  else if (choice === "none") out = { type: "none" };
  else if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === "string") {
    out = { type: "tool", name: choice.function.name };
  }
  if (parallel === false) out = { ...(out ?? { type: "auto" }), disable_parallel_tool_use: true };
  return out;
}

function tools(list: unknown): Json[] | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.map((tool, index) => {
    const fn = isObject(tool) && isObject(tool.function) ? tool.function : null;
    if (!fn || typeof fn.name !== "string") throw invalid("each tool needs function.name", `tools.${index}`);
    const out: Json = {
      name: fn.name,
      input_schema: isObject(fn.parameters) ? fn.parameters : { type: "object" },
    };
    if (typeof fn.description === "string") out.description = fn.description;
    return out;
  });
}

/** An OpenAI chat completions body → a Messages request for the model `model`. */
export function fromChatRequest(chat: Json, model: string): Json {
  if (!Array.isArray(chat.messages)) throw invalid("messages is required", "messages");
  const request: Json = {
    model,
    messages: conversation(chat.messages),
    max_tokens: chat.max_tokens ?? chat.max_completion_tokens ?? DEFAULT_MAX_TOKENS,
  };
  const system = systemOf(chat.messages);
  if (system !== null) request.system = system;
  if (chat.stream === true) request.stream = true;
  const stop = typeof chat.stop === "string" ? [chat.stop] : chat.stop;
  if (Array.isArray(stop) && stop.length > 0) request.stop_sequences = stop;
  for (const key of ["temperature", "top_p", "top_k"] as const) {
    if (typeof chat[key] === "number") request[key] = chat[key];
  }
  if (typeof chat.user === "string") request.metadata = { user_id: chat.user };
  const toolList = tools(chat.tools);
  if (toolList) request.tools = toolList;
  const choice = toolChoice(chat.tool_choice, chat.parallel_tool_calls);
  if (choice && toolList) request.tool_choice = choice;
  return request;
}
