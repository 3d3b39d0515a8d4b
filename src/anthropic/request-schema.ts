// Owns the Anthropic Messages request as llmlb accepts it: the valibot schema (the one check of a client's
// body) and the types inferred from it. Unknown fields are accepted and ignored, as Anthropic does.
import * as v from "valibot";

const CacheControl = v.optional(v.unknown());

const TextBlock = v.looseObject({
  type: v.literal("text"),
  text: v.string(),
  cache_control: CacheControl,
});

const ImageSource = v.variant("type", [
  v.looseObject({
    type: v.literal("base64"),
    media_type: v.pipe(v.string(), v.minLength(1)),
    data: v.pipe(v.string(), v.minLength(1, "image data is empty")),
  }),
  v.looseObject({ type: v.literal("url"), url: v.pipe(v.string(), v.minLength(1)) }),
]);

const ImageBlock = v.looseObject({
  type: v.literal("image"),
  source: ImageSource,
  cache_control: CacheControl,
});

const ToolUseBlock = v.looseObject({
  type: v.literal("tool_use"),
  id: v.pipe(v.string(), v.minLength(1)),
  name: v.pipe(v.string(), v.minLength(1)),
  input: v.record(v.string(), v.unknown()),
  cache_control: CacheControl,
});

const ToolResultBlock = v.looseObject({
  type: v.literal("tool_result"),
  tool_use_id: v.pipe(v.string(), v.minLength(1)),
  content: v.optional(v.union([v.string(), v.array(v.union([TextBlock, ImageBlock]))])),
  is_error: v.optional(v.boolean()),
  cache_control: CacheControl,
});

const ThinkingBlock = v.looseObject({
  type: v.literal("thinking"),
  thinking: v.string(),
  signature: v.optional(v.string()),
});
const RedactedThinkingBlock = v.looseObject({ type: v.literal("redacted_thinking"), data: v.string() });

const ContentBlock = v.variant("type", [
  TextBlock,
  ImageBlock,
  ToolUseBlock,
  ToolResultBlock,
  ThinkingBlock,
  RedactedThinkingBlock,
]);

const Message = v.looseObject({
  role: v.picklist(["user", "assistant"], "role must be 'user' or 'assistant'"),
  content: v.union([v.string(), v.array(ContentBlock)], "content must be a string or an array of blocks"),
});

const Tool = v.looseObject({
  // Absent or "custom": a client tool. Anthropic's server tools (web_search_…, bash_…) have other types.
  type: v.optional(v.nullable(v.string())),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  description: v.optional(v.string()),
  input_schema: v.optional(v.record(v.string(), v.unknown())),
  cache_control: CacheControl,
});

const ToolChoice = v.variant("type", [
  v.looseObject({ type: v.literal("auto"), disable_parallel_tool_use: v.optional(v.boolean()) }),
  v.looseObject({ type: v.literal("any"), disable_parallel_tool_use: v.optional(v.boolean()) }),
  v.looseObject({
    type: v.literal("tool"),
    name: v.pipe(v.string(), v.minLength(1)),
    disable_parallel_tool_use: v.optional(v.boolean()),
  }),
  v.looseObject({ type: v.literal("none") }),
]);

const Thinking = v.variant("type", [
  v.looseObject({ type: v.literal("enabled"), budget_tokens: v.optional(v.number()) }),
  v.looseObject({ type: v.literal("disabled") }),
  v.looseObject({ type: v.literal("adaptive") }),
]);

/** POST /v1/messages. */
export const MessagesRequestSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1, "model is required")),
  max_tokens: v.pipe(v.number(), v.integer(), v.minValue(1, "max_tokens must be at least 1")),
  messages: v.pipe(v.array(Message), v.minLength(1, "messages must not be empty")),
  system: v.optional(v.union([v.string(), v.array(TextBlock)])),
  stop_sequences: v.optional(v.array(v.string())),
  stream: v.optional(v.boolean()),
  temperature: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(2))),
  top_p: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  top_k: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  metadata: v.optional(v.looseObject({ user_id: v.optional(v.nullable(v.string())) })),
  tools: v.optional(v.array(Tool)),
  tool_choice: v.optional(ToolChoice),
  thinking: v.optional(Thinking),
});

/** POST /v1/messages/count_tokens: the same prompt fields, no max_tokens. */
export const CountTokensRequestSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1, "model is required")),
  messages: v.pipe(v.array(Message), v.minLength(1, "messages must not be empty")),
  system: v.optional(v.union([v.string(), v.array(TextBlock)])),
  tools: v.optional(v.array(Tool)),
  tool_choice: v.optional(ToolChoice),
  thinking: v.optional(Thinking),
});

export type MessagesRequest = v.InferOutput<typeof MessagesRequestSchema>;
export type CountTokensRequest = v.InferOutput<typeof CountTokensRequestSchema>;
export type AnthropicMessageParam = v.InferOutput<typeof Message>;
export type AnthropicContentBlockParam = v.InferOutput<typeof ContentBlock>;
export type AnthropicImageBlockParam = v.InferOutput<typeof ImageBlock>;
export type AnthropicTextBlockParam = v.InferOutput<typeof TextBlock>;
export type AnthropicToolParam = v.InferOutput<typeof Tool>;
export type AnthropicToolChoice = v.InferOutput<typeof ToolChoice>;
