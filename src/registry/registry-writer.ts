// Owns the registry's persistence: every change is written to the database first, then mirrored in the
// in-memory Directory (except for memory-only entries, and best-effort health writes that reach memory even
// when the database refuses them). Publishes nothing: the registry service and health check announce changes.
import type { DatabaseHandle } from "../db/client.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Directory, DirectoryEntry, StoredModel } from "./directory.js";
import { toRecord } from "./endpoint-defaults.js";
import { diffModels, type ListedModel } from "./model-list.js";
import type { SecretBox } from "./secret-box.js";
import * as store from "./store.js";
import type { EndpointRecord } from "./types.js";

export interface SyncResult {
  synced_models: number;
  added: number;
  removed: number;
  updated: number;
}

export type EndpointChangeSet = Partial<Omit<store.EndpointFields, "id" | "registeredAt">>;

function uniqueViolation(error: unknown): "name" | "base_url" | null {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (/UNIQUE constraint failed: endpoints\.name/.test(current.message)) return "name";
    if (/UNIQUE constraint failed: endpoints\.base_url/.test(current.message)) return "base_url";
  }
  return null;
}

/** Rethrows a unique-constraint failure as 409 naming the field; anything else as is. */
export function asConflict(error: unknown): never {
  const field = uniqueViolation(error);
  if (field) {
    throw new AppError("conflict", `An endpoint with this ${field} already exists`, {
      code: `duplicate_${field}`,
      param: field,
    });
  }
  throw error;
}

/** The models of one endpoint after a listing: timestamps kept for unchanged models, `now` for the rest. */
function mergedModels(before: StoredModel[], listed: ListedModel[], changed: Set<string>, now: number) {
  const previous = new Map(before.map((model) => [model.id, model]));
  return listed.map((model) => {
    const old = previous.get(model.id);
    const updatedAt = old && !changed.has(model.id) ? old.updatedAt : now;
    const capabilities = model.capabilities ?? old?.capabilities ?? null;
    return { ...model, capabilities, addedAt: old?.addedAt ?? now, updatedAt };
  });
}

export class RegistryWriter {
  /** endpoint id → epoch ms of its last successful model sync. */
  private readonly lastSync = new Map<string, number>();

  constructor(
    private readonly database: DatabaseHandle,
    readonly directory: Directory,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Epoch ms of the endpoint's last successful model sync (0: never). */
  syncedAt(id: string): number {
    return this.lastSync.get(id) ?? 0;
  }

  /** Database first, then memory. bestEffort: a failed write is logged and memory still changes. */
  async commit(entry: DirectoryEntry, changes: EndpointChangeSet, bestEffort = false): Promise<void> {
    const stamped = { ...changes, updatedAt: this.now() };
    try {
      if (!entry.memoryOnly) await store.updateEndpoint(this.database.db, entry.record.id, stamped);
    } catch (error) {
      if (!bestEffort) throw error;
      this.log.warn("could not persist endpoint state; kept in memory", {
        endpoint_id: entry.record.id,
        error,
      });
    }
    const { apiKeyEncrypted, typeExplicit, ...recordChanges } = stamped;
    if (typeExplicit !== undefined) entry.typeExplicit = typeExplicit;
    if (apiKeyEncrypted !== undefined)
      entry.record = { ...entry.record, hasApiKey: apiKeyEncrypted !== null };
    entry.record = { ...entry.record, ...(recordChanges as Partial<EndpointRecord>) };
  }

  /** Diffs a listing against the stored models, writes the diff, then mirrors it in memory. */
  async applyModels(entry: DirectoryEntry, listed: ListedModel[]): Promise<SyncResult> {
    const id = entry.record.id;
    const before = this.directory.modelsOf(id);
    const stored = before.map((model) => ({
      id: model.id,
      ownedBy: model.ownedBy,
      metadata: model.metadata ?? "",
    }));
    const diff = diffModels(stored, listed);
    const now = this.now();
    if (!entry.memoryOnly) await store.applyModelDiff(this.database.db, id, diff, now);
    const changed = new Set(diff.updated.map((model) => model.id));
    this.directory.setModels(id, mergedModels(before, listed, changed, now));
    this.lastSync.set(id, now);
    const result = {
      synced_models: listed.length,
      added: diff.added.length,
      removed: diff.removed.length,
      updated: diff.updated.length,
    };
    if (result.added + result.removed + result.updated > 0)
      this.log.info("models synced", { endpoint_id: id, ...result });
    return result;
  }

  /** Inserts a new endpoint row (see newEndpoint), then mirrors it in memory; memoryOnly: never written. */
  async insert(
    row: store.EndpointFields,
    apiKey: string | undefined,
    memoryOnly = false,
  ): Promise<DirectoryEntry> {
    if (!memoryOnly) await store.insertEndpoint(this.database.db, row).catch(asConflict);
    const entry: DirectoryEntry = { record: toRecord(row), typeExplicit: row.typeExplicit, apiKey };
    if (memoryOnly) entry.memoryOnly = true;
    this.directory.put(entry);
    this.directory.setModels(entry.record.id, []);
    return entry;
  }

  async remove(id: string): Promise<void> {
    await store.deleteEndpoint(this.database.db, id);
    this.directory.remove(id);
    this.lastSync.delete(id);
  }

  /** Reads every endpoint and model into memory (replacing it); false (nothing changed) when the database fails. */
  async load(secrets: SecretBox): Promise<boolean> {
    let rows: store.EndpointRow[];
    let models: store.ModelRow[];
    try {
      [rows, models] = await Promise.all([
        store.loadEndpoints(this.database.db),
        store.loadModels(this.database.db),
      ]);
    } catch (error) {
      this.log.warn("could not load endpoints; retrying from the health sweep", { error });
      return false;
    }
    const entries: DirectoryEntry[] = [];
    for (const row of rows) {
      entries.push({
        record: toRecord(row),
        typeExplicit: row.typeExplicit,
        apiKey: await this.decrypt(secrets, row),
      });
    }
    const byEndpoint = new Map<string, StoredModel[]>();
    for (const model of models) {
      const list = byEndpoint.get(model.endpointId) ?? [];
      const { modelId, ownedBy, metadata, addedAt, updatedAt } = model;
      list.push({ id: modelId, ownedBy, metadata, addedAt, updatedAt });
      byEndpoint.set(model.endpointId, list);
    }
    this.directory.clear();
    for (const entry of entries) {
      this.directory.put(entry);
      this.directory.setModels(entry.record.id, byEndpoint.get(entry.record.id) ?? []);
    }
    this.log.info("endpoints loaded", { endpoints: rows.length, models: models.length });
    return true;
  }

  private async decrypt(secrets: SecretBox, row: store.EndpointRow): Promise<string | undefined> {
    if (row.apiKeyEncrypted === null) return undefined;
    try {
      return await secrets.decrypt(row.apiKeyEncrypted);
    } catch {
      this.log.warn("cannot decrypt an endpoint's API key (was LLMLB_SECRET_KEY changed?)", {
        endpoint_id: row.id,
      });
      return undefined;
    }
  }
}
