// Owns the in-memory endpoint directory: records, decrypted keys, model lists and the model → endpoints
// index. Mutated only by the registry after the database write succeeded; read on the hot path.
import type { EndpointReader, EndpointRecord, ModelListing, ModelRoute, StoredModel } from "./types.js";

export type { StoredModel };

export interface DirectoryEntry {
  record: EndpointRecord;
  /** Set by the caller: detection never overrides it. */
  typeExplicit: boolean;
  apiKey: string | undefined;
  /** A declared endpoint served while the database is unusable: never written, dropped when load() succeeds. */
  memoryOnly?: boolean;
}

const LATEST = ":latest";

/** Ollama treats `name` and `name:latest` as one model; the exact name comes first. */
export function equivalentNames(model: string): string[] {
  if (model.endsWith(LATEST)) return [model, model.slice(0, -LATEST.length)];
  return model.includes(":") ? [model] : [model, `${model}${LATEST}`];
}

export class Directory implements EndpointReader {
  private readonly entries = new Map<string, DirectoryEntry>();
  private readonly models = new Map<string, StoredModel[]>();
  /** model id (as some endpoint names it) → endpoint ids listing it. */
  private readonly index = new Map<string, Set<string>>();

  clear(): void {
    this.entries.clear();
    this.models.clear();
    this.index.clear();
  }

  put(entry: DirectoryEntry): void {
    this.entries.set(entry.record.id, entry);
  }

  entry(id: string): DirectoryEntry | undefined {
    return this.entries.get(id);
  }

  remove(id: string): void {
    this.setModels(id, []);
    this.models.delete(id);
    this.entries.delete(id);
  }

  setModels(endpointId: string, models: StoredModel[]): void {
    for (const old of this.models.get(endpointId) ?? []) {
      const holders = this.index.get(old.id);
      holders?.delete(endpointId);
      if (holders?.size === 0) this.index.delete(old.id);
    }
    this.models.set(endpointId, models);
    for (const model of models) {
      const holders = this.index.get(model.id) ?? new Set<string>();
      holders.add(endpointId);
      this.index.set(model.id, holders);
    }
  }

  modelsOf(endpointId: string): StoredModel[] {
    return this.models.get(endpointId) ?? [];
  }

  findByBaseUrl(baseUrl: string): EndpointRecord | undefined {
    return this.list().find((record) => record.baseUrl === baseUrl);
  }

  findByName(name: string): EndpointRecord | undefined {
    return this.list().find((record) => record.name === name);
  }

  /** In registration order, ties by id: the order the database load uses, so a restart lists the same way. */
  list(): EndpointRecord[] {
    return [...this.entries.values()]
      .map((entry) => entry.record)
      .sort((a, b) => a.registeredAt - b.registeredAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): EndpointRecord | undefined {
    return this.entries.get(id)?.record;
  }

  routesFor(model: string): ModelRoute[] {
    const routes: ModelRoute[] = [];
    for (const entry of this.entries.values()) {
      if (entry.record.status !== "online") continue;
      const upstreamModelId = equivalentNames(model).find((name) =>
        this.index.get(name)?.has(entry.record.id),
      );
      if (upstreamModelId !== undefined) routes.push({ endpoint: entry.record, upstreamModelId });
    }
    return routes;
  }

  isKnownModel(model: string): boolean {
    return equivalentNames(model).some((name) => (this.index.get(name)?.size ?? 0) > 0);
  }

  listModels(): ModelListing[] {
    const listings = new Map<string, ModelListing>();
    for (const entry of this.entries.values()) {
      if (entry.record.status !== "online") continue;
      for (const model of this.modelsOf(entry.record.id)) {
        const listing = listings.get(model.id) ?? { id: model.id, endpointIds: [], ownedBy: null };
        listings.set(model.id, listing);
        listing.endpointIds.push(entry.record.id);
        listing.ownedBy ??= model.ownedBy;
      }
    }
    return [...listings.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  apiKeyOf(endpointId: string): string | undefined {
    return this.entries.get(endpointId)?.apiKey;
  }
}
