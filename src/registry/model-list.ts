import type { Capability } from "./capabilities.js";

// Owns reading a model listing (OpenAI `data[].id` or Ollama `models[].name`) and diffing it (pure).

export interface ListedModel {
  /** The model id as the endpoint names it. */
  id: string;
  ownedBy: string | null;
  /** The listing item as received, JSON. */
  metadata: string;
  /** What the upstream reported the model can do (Ollama's /api/show), when asked. */
  capabilities?: Capability[] | null;
}

/** null when the body is not a model listing. */
export function parseModelList(body: unknown): ListedModel[] | null {
  if (body === null || typeof body !== "object") return null;
  const record = body as Record<string, unknown>;
  const openAi = Array.isArray(record.data);
  const list = openAi ? record.data : record.models;
  if (!Array.isArray(list)) return null;
  const seen = new Map<string, ListedModel>();
  for (const item of list) {
    if (item === null || typeof item !== "object") continue;
    const entry = item as Record<string, unknown>;
    const id = openAi ? entry.id : (entry.name ?? entry.model);
    if (typeof id !== "string" || id === "" || seen.has(id)) continue;
    const ownedBy = typeof entry.owned_by === "string" ? entry.owned_by : null;
    seen.set(id, { id, ownedBy, metadata: JSON.stringify(entry) });
  }
  return [...seen.values()];
}

export interface ModelDiff {
  added: ListedModel[];
  removed: string[];
  /** Listed before and now, with different owner or metadata. */
  updated: ListedModel[];
}

export function diffModels(before: readonly ListedModel[], after: readonly ListedModel[]): ModelDiff {
  const previous = new Map(before.map((model) => [model.id, model]));
  const next = new Set(after.map((model) => model.id));
  const added: ListedModel[] = [];
  const updated: ListedModel[] = [];
  for (const model of after) {
    const old = previous.get(model.id);
    if (!old) added.push(model);
    else if (old.ownedBy !== model.ownedBy || old.metadata !== model.metadata) updated.push(model);
  }
  const removed = before.filter((model) => !next.has(model.id)).map((model) => model.id);
  return { added, removed, updated };
}
