// Owns what a model can do, as /v1/models reports it: from what the upstream says (Ollama's /api/show
// `capabilities`, llama.cpp's /props `modalities`, a listing item's own `capabilities`), else from the
// endpoint type and the model's name (pure).

export const CAPABILITIES = [
  "chat",
  "completions",
  "embeddings",
  "audio_transcription",
  "audio_speech",
  "image_generation",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

const TEXT: Capability[] = ["chat", "completions"];

/** Ollama's /api/show capability names → ours (vision, tools, thinking are chat features, not APIs). */
export function fromOllama(reported: unknown): Capability[] | null {
  if (!Array.isArray(reported)) return null;
  const out = new Set<Capability>();
  for (const name of reported) {
    if (name === "completion") for (const capability of TEXT) out.add(capability);
    if (name === "embedding") out.add("embeddings");
  }
  return [...out];
}

/**
 * llama.cpp's GET /props: a model that takes audio input (`modalities.audio`) is also served on
 * /v1/audio/transcriptions; vision is a chat feature. /props does not say whether the server embeds
 * (`--embeddings`), so the rest comes from the name. null when the answer has no `modalities`.
 */
export function fromLlamaCppProps(props: unknown, id: string): Capability[] | null {
  const modalities = (props as { modalities?: unknown } | null)?.modalities;
  if (typeof modalities !== "object" || modalities === null) return null;
  const named = fromName("llamacpp", id);
  const audio = (modalities as { audio?: unknown }).audio === true;
  return audio && !named.includes("audio_transcription") ? [...named, "audio_transcription"] : named;
}

/** A listing item that names its own capabilities (ours or Ollama's words). */
export function fromListing(metadata: string | null): Capability[] | null {
  if (!metadata) return null;
  let item: unknown;
  try {
    item = JSON.parse(metadata);
  } catch {
    return null;
  }
  const reported = (item as { capabilities?: unknown } | null)?.capabilities;
  if (!Array.isArray(reported)) return null;
  const ours = reported.filter((name): name is Capability =>
    (CAPABILITIES as readonly string[]).includes(name),
  );
  return ours.length > 0 ? ours : fromOllama(reported);
}

/** What a model's name says it is (OpenAI's naming, shared by most servers that host such models). */
export function fromName(type: string, id: string): Capability[] {
  const name = id.toLowerCase();
  if (/embed|bge-|e5-|minilm|nomic-embed/.test(name)) return ["embeddings"];
  if (/whisper|transcribe/.test(name)) return ["audio_transcription"];
  if (/(^|[-_/])tts|speech|kokoro|piper/.test(name)) return ["audio_speech"];
  if (/dall-e|gpt-image|imagen|stable-diffusion|sdxl|flux/.test(name)) return ["image_generation"];
  // Anthropic serves only messages (chat); OpenAI's chat models have no legacy completions.
  if (type === "anthropic" || type === "google") return ["chat"];
  if (type === "openai") return /instruct|davinci|babbage/.test(name) ? TEXT : ["chat"];
  return TEXT;
}

/** The capabilities reported for a model, else those its type and name imply. */
export function capabilitiesOf(
  /** The endpoint type (a string here: types.ts imports this module). */
  type: string,
  id: string,
  reported: Capability[] | null | undefined,
  metadata: string | null,
): Capability[] {
  return reported ?? fromListing(metadata) ?? fromName(type, id);
}
