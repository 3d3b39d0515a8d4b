// Owns where playground requests go: the per-endpoint route, and the endpoints serving a model by name.
import type { ModelObjectJson } from "../api/types.js";
import { overview } from "../state/model.js";

export const pinnedUrl = (endpointId: string) =>
  `/api/endpoints/${encodeURIComponent(endpointId)}/chat/completions`;

/** Endpoints (id, name) that serve the model, named from the overview. */
export function servingEndpoints(model: ModelObjectJson | undefined) {
  const names = new Map((overview.value?.endpoints ?? []).map((endpoint) => [endpoint.id, endpoint.name]));
  return (model?.endpoint_ids ?? []).map((id) => ({ id, name: names.get(id) ?? id }));
}
