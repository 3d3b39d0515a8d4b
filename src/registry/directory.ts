// Owns the in-memory endpoint directory: records, decrypted keys, model lists and the model → endpoints
// index. Mutated only by the registry after the database write succeeded; read on the hot path.
import type { AppError } from "../errors.js";
import { CAPABILITIES, capabilitiesOf } from "./capabilities.js";
import { cloudProviderOf, routeName, unknownModel } from "./cloud.js";
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
  /** Route name (the model id, or `provider:id` on a cloud endpoint) → endpoint ids listing it. */
  private readonly index = new Map<string, Set<string>>();
  /** The route names each endpoint's models are indexed under. */
  private readonly indexedAs = new Map<string, string[]>();

  clear(): void {
    this.entries.clear();
    this.models.clear();
    this.index.clear();
    this.indexedAs.clear();
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
    this.indexedAs.delete(id);
    this.entries.delete(id);
  }

  setModels(endpointId: string, models: StoredModel[]): void {
    for (const old of this.indexedAs.get(endpointId) ?? []) {
      const holders = this.index.get(old);
      holders?.delete(endpointId);
      if (holders?.size === 0) this.index.delete(old);
    }
    this.models.set(endpointId, models);
    const type = this.entries.get(endpointId)?.record.endpointType ?? "openai_compatible";
    const indexed = models.map((model) => routeName(type, model.id));
    this.indexedAs.set(endpointId, indexed);
    for (const name of indexed) {
      const holders = this.index.get(name) ?? new Set<string>();
      holders.add(endpointId);
      this.index.set(name, holders);
    }
  }

  /** Re-indexes an endpoint's models (its type changed: cloud models are indexed as `provider:model`). */
  reindex(endpointId: string): void {
    this.setModels(endpointId, this.modelsOf(endpointId));
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
      const name = equivalentNames(model).find((candidate) =>
        this.index.get(candidate)?.has(entry.record.id),
      );
      if (name === undefined) continue;
      // A cloud model is routed as `provider:id` and sent as `id`.
      const prefix =
        cloudProviderOf(name) === entry.record.endpointType ? entry.record.endpointType.length + 1 : 0;
      routes.push({ endpoint: entry.record, upstreamModelId: name.slice(prefix) });
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
        const type = entry.record.endpointType;
        const id = routeName(type, model.id);
        const listing = listings.get(id) ?? { id, endpointIds: [], ownedBy: null, capabilities: [] };
        listings.set(id, listing);
        listing.endpointIds.push(entry.record.id);
        listing.ownedBy ??= model.ownedBy;
        const union = new Set([
          ...listing.capabilities,
          ...capabilitiesOf(type, model.id, model.capabilities, model.metadata),
        ]);
        listing.capabilities = CAPABILITIES.filter((capability) => union.has(capability));
      }
    }
    return [...listings.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  unknownModel(model: string): AppError {
    return unknownModel(model, new Set(this.list().map((record) => record.endpointType)));
  }

  apiKeyOf(endpointId: string): string | undefined {
    return this.entries.get(endpointId)?.apiKey;
  }
}
