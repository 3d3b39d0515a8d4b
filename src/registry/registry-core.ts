// Owns the registry's shared state and its write primitives: the Directory, per-endpoint serialisation,
// commit (database first, then memory), model-list application, insertion and the boot load.

import type { Clock } from "../clock.js";
import type { DatabaseHandle } from "../db/client.js";
import { AppError } from "../errors.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";
import { Directory, type DirectoryEntry, type PersistedCounters, type StoredModel } from "./directory.js";
import { diffModels, type ListedModel } from "./model-list.js";
import { fetchModelList, type ProbeContext, type Target } from "./probes.js";
import type { SecretBox } from "./secret-box.js";
import * as store from "./store.js";
import type { EndpointRecord, EndpointType } from "./types.js";

export interface RegistryOptions {
  database: DatabaseHandle;
  probes: ProbeContext;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  secrets: SecretBox;
  /** Used when a caller sets no interval, seconds. */
  defaultHealthCheckIntervalSecs: number;
  /** Online endpoints re-list their models at most this often from the sweep, ms. */
  modelSyncIntervalMs?: number;
  /** Generates endpoint ids. */
  newId?: () => string;
}

export interface SyncResult {
  synced_models: number;
  added: number;
  removed: number;
  updated: number;
}

export type EndpointChangeSet = Partial<Omit<store.EndpointFields, "id" | "registeredAt">>;
export type NewEndpointFields = Omit<
  store.EndpointFields,
  "id" | "registeredAt" | "updatedAt" | "status" | "errorCount"
>;

export const ZERO_COUNTERS: PersistedCounters = {
  total_requests: 0,
  successful_requests: 0,
  failed_requests: 0,
};

function toRecord(row: store.EndpointFields, hasApiKey: boolean): EndpointRecord {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    endpointType: row.endpointType as EndpointType,
    status: row.status as EndpointRecord["status"],
    latencyMs: row.latencyMs,
    lastSeen: row.lastSeen,
    lastError: row.lastError,
    errorCount: row.errorCount,
    healthCheckIntervalSecs: row.healthCheckIntervalSecs,
    inferenceTimeoutSecs: row.inferenceTimeoutSecs,
    maxConcurrency: row.maxConcurrency,
    notes: row.notes,
    registeredAt: row.registeredAt,
    updatedAt: row.updatedAt,
    hasApiKey,
  };
}

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

export type RegistryCore = ReturnType<typeof createRegistryCore>;

export function createRegistryCore(options: RegistryOptions) {
  const { database, probes, clock, events, secrets } = options;
  const log = options.logger.child({ component: "registry" });
  const newId = options.newId ?? (() => crypto.randomUUID());
  const directory = new Directory();
  /** endpoint id → epoch ms of its last successful model sync. */
  const lastSync = new Map<string, number>();
  const locks = new Map<string, Promise<unknown>>();
  const state = { loaded: false };

  const core = {
    options,
    probes,
    clock,
    events,
    log,
    directory,
    lastSync,
    state,
    modelSyncIntervalMs: options.modelSyncIntervalMs ?? 300_000,

    /** Runs fn after every earlier operation on the same endpoint (probes, edits, deletes never interleave). */
    serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
      const run = (locks.get(id) ?? Promise.resolve()).then(fn, fn);
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      locks.set(id, settled);
      void settled.then(() => {
        if (locks.get(id) === settled) locks.delete(id);
      });
      return run;
    },

    target: (entry: DirectoryEntry): Target => ({ baseUrl: entry.record.baseUrl, apiKey: entry.apiKey }),

    summary: (record: EndpointRecord) => ({
      endpoint_id: record.id,
      name: record.name,
      base_url: record.baseUrl,
      endpoint_type: record.endpointType,
      status: record.status,
    }),

    /** Database first, then memory. bestEffort: a failed write is logged and memory still changes. */
    async commit(entry: DirectoryEntry, changes: EndpointChangeSet, bestEffort = false): Promise<void> {
      const stamped = { ...changes, updatedAt: clock.now() };
      try {
        if (!entry.memoryOnly) await store.updateEndpoint(database.db, entry.record.id, stamped);
      } catch (error) {
        if (!bestEffort) throw error;
        log.warn("could not persist endpoint state; kept in memory", { endpoint_id: entry.record.id, error });
      }
      const { apiKeyEncrypted, typeExplicit, ...recordChanges } = stamped;
      if (typeExplicit !== undefined) entry.typeExplicit = typeExplicit;
      if (apiKeyEncrypted !== undefined)
        entry.record = { ...entry.record, hasApiKey: apiKeyEncrypted !== null };
      entry.record = { ...entry.record, ...(recordChanges as Partial<EndpointRecord>) };
    },

    /** Diffs a listing against the stored models, writes the diff, then mirrors it in memory. */
    async applyModels(entry: DirectoryEntry, listed: ListedModel[]): Promise<SyncResult> {
      const id = entry.record.id;
      const before = directory.modelsOf(id);
      const stored = before.map((model) => ({
        id: model.id,
        ownedBy: model.ownedBy,
        metadata: model.metadata ?? "",
      }));
      const diff = diffModels(stored, listed);
      const now = clock.now();
      if (!entry.memoryOnly) await store.applyModelDiff(database.db, id, diff, now);
      const previous = new Map(before.map((model) => [model.id, model]));
      const changed = new Set(diff.updated.map((model) => model.id));
      directory.setModels(
        id,
        listed.map((model) => {
          const old = previous.get(model.id);
          const updatedAt = old && !changed.has(model.id) ? old.updatedAt : now;
          return { ...model, addedAt: old?.addedAt ?? now, updatedAt };
        }),
      );
      lastSync.set(id, now);
      const result = {
        synced_models: listed.length,
        added: diff.added.length,
        removed: diff.removed.length,
        updated: diff.updated.length,
      };
      if (result.added + result.removed + result.updated > 0)
        log.info("models synced", { endpoint_id: id, ...result });
      return result;
    },

    /** A sync whose failure is only logged (health-driven syncs). */
    async syncQuietly(entry: DirectoryEntry): Promise<void> {
      try {
        await core.applyModels(entry, await fetchModelList(probes, core.target(entry)));
      } catch (error) {
        log.warn("model sync failed", { endpoint_id: entry.record.id, error });
      }
    },

    /** Inserts a pending row, then mirrors it in memory; publishes EndpointRegistered. */
    async insert(fields: NewEndpointFields, apiKey: string | undefined): Promise<DirectoryEntry> {
      const now = clock.now();
      const row = {
        ...fields,
        id: newId(),
        status: "pending",
        errorCount: 0,
        registeredAt: now,
        updatedAt: now,
      };
      await store.insertEndpoint(database.db, row).catch(asConflict);
      const entry: DirectoryEntry = {
        record: toRecord(row, row.apiKeyEncrypted !== null),
        typeExplicit: row.typeExplicit,
        apiKey,
        counters: { ...ZERO_COUNTERS },
      };
      directory.put(entry);
      directory.setModels(entry.record.id, []);
      log.info("endpoint registered", { endpoint_id: row.id, name: row.name, base_url: row.baseUrl });
      events.publish({ type: "EndpointRegistered", data: core.summary(entry.record) });
      return entry;
    },

    /**
     * Declared endpoints kept in memory only, while the database cannot be loaded: the health sweep probes
     * them and the proxy routes to them (the balancer never stops proxying); load() later replaces them.
     */
    serveWithoutDatabase(declared: { name: string; baseUrl: string }[]): void {
      for (const { name, baseUrl } of declared) {
        if (directory.findByBaseUrl(baseUrl) || directory.findByName(name)) continue;
        const now = clock.now();
        const entry: DirectoryEntry = {
          record: toRecord(
            {
              id: newId(),
              name,
              baseUrl,
              apiKeyEncrypted: null,
              endpointType: "openai_compatible",
              typeExplicit: false,
              status: "pending",
              latencyMs: null,
              lastSeen: null,
              lastError: null,
              errorCount: 0,
              healthCheckIntervalSecs: options.defaultHealthCheckIntervalSecs,
              inferenceTimeoutSecs: 120,
              maxConcurrency: null,
              notes: null,
              registeredAt: now,
              updatedAt: now,
            },
            false,
          ),
          typeExplicit: false,
          apiKey: undefined,
          counters: { ...ZERO_COUNTERS },
          memoryOnly: true,
        };
        directory.put(entry);
        directory.setModels(entry.record.id, []);
        log.warn("serving a declared endpoint from memory while the database is unusable", {
          endpoint_id: entry.record.id,
          name,
          base_url: baseUrl,
        });
        events.publish({ type: "EndpointRegistered", data: core.summary(entry.record) });
      }
    },

    /** Reads every endpoint and model into memory; false (nothing changed) when the database fails. */
    async load(): Promise<boolean> {
      let rows: store.EndpointRow[];
      let models: store.ModelRow[];
      try {
        [rows, models] = await Promise.all([store.loadEndpoints(database.db), store.loadModels(database.db)]);
      } catch (error) {
        log.warn("could not load endpoints; retrying from the health sweep", { error });
        return false;
      }
      const entries: DirectoryEntry[] = [];
      for (const row of rows) {
        let apiKey: string | undefined;
        if (row.apiKeyEncrypted !== null) {
          try {
            apiKey = await secrets.decrypt(row.apiKeyEncrypted);
          } catch {
            log.warn("cannot decrypt an endpoint's API key (was LLMLB_SECRET_KEY changed?)", {
              endpoint_id: row.id,
            });
          }
        }
        const counters = {
          total_requests: row.totalRequests,
          successful_requests: row.successfulRequests,
          failed_requests: row.failedRequests,
        };
        entries.push({
          record: toRecord(row, row.apiKeyEncrypted !== null),
          typeExplicit: row.typeExplicit,
          apiKey,
          counters,
        });
      }
      const byEndpoint = new Map<string, StoredModel[]>();
      for (const model of models) {
        const list = byEndpoint.get(model.endpointId) ?? [];
        const { modelId, ownedBy, metadata, addedAt, updatedAt } = model;
        list.push({ id: modelId, ownedBy, metadata, addedAt, updatedAt });
        byEndpoint.set(model.endpointId, list);
      }
      directory.clear();
      for (const entry of entries) {
        directory.put(entry);
        directory.setModels(entry.record.id, byEndpoint.get(entry.record.id) ?? []);
      }
      state.loaded = true;
      log.info("endpoints loaded", { endpoints: rows.length, models: models.length });
      return true;
    },
  };
  return core;
}
