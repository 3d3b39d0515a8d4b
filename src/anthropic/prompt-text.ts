// Owns the text a Messages prompt amounts to for counting tokens (count_tokens and input estimates): the
// system prompt, every text / tool call / tool result, and the tool definitions. Pure.
import type { CountTokensRequest } from "./request-schema.js";
import { systemText } from "./to-chat-request.js";

export function promptText(request: CountTokensRequest): string {
  const parts: string[] = [];
  const system = systemText(request.system);
  if (system !== null) parts.push(system);
  for (const message of request.messages) {
    if (typeof message.content === "string") {
      parts.push(message.content);
      continue;
    }
    for (const block of message.content) {
      if (block.type === "text") parts.push(block.text);
      else if (block.type === "tool_use") parts.push(`${block.name} ${JSON.stringify(block.input)}`);
      else if (block.type === "tool_result") {
        if (typeof block.content === "string") parts.push(block.content);
        else for (const part of block.content ?? []) if (part.type === "text") parts.push(part.text);
      } else if (block.type === "thinking") parts.push(block.thinking);
    }
  }
  for (const tool of request.tools ?? []) {
    parts.push(`${tool.name} ${tool.description ?? ""} ${JSON.stringify(tool.input_schema ?? {})}`);
  }
  return parts.join("\n");
}
