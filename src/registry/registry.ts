// Owns the endpoint registry service: boot load, create/update/delete, model sync, health probes and their
// status transitions. Invariant: the database is written first, then memory (the Directory) — except a
// health result whose write failed, which still reaches memory so routing follows reality (logged).
import type { DatabaseHandle } from "../db/client.js";
import type { Clock } from "../deps.js";
import { AppError } from "../errors.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";
import { nameFromBaseUrl, normaliseBaseUrl } from "./base-url.js";
import { Directory, type DirectoryEntry, type PersistedCounters, type StoredModel } from "./directory.js";
import { nextHealth } from "./health-status.js";
import { diffModels, type ListedModel } from "./model-list.js";
import { detectEndpointType, fetchModelList, type ProbeContext, probeHealth, type Target } from "./probes.js";
import type { SecretBox } from "./secret-box.js";
import * as store from "./store.js";
import type { EndpointDirectory, EndpointRecord, EndpointType } from "./types.js";

/** Fields a caller may set; `apiKey: null` (or "") clears the key, `endpointType` makes the type explicit. */
export interface EndpointInput {
  name: string;
  baseUrl: string;
  apiKey?: string | null | undefined;
  endpointType?: EndpointType | undefined;
  healthCheckIntervalSecs?: number | undefined;
  inferenceTimeoutSecs?: number | undefined;
  maxConcurrency?: number | null | undefined;
  notes?: string | null | undefined;
}

export type EndpointChanges = Partial<EndpointInput>;

export interface SyncResult {
  synced_models: number;
  added: number;
  removed: number;
  updated: number;
}

export interface TestResult {
  success: boolean;
  latency_ms: number | null;
  error: string | null;
  models_found: number;
}

export interface EndpointRegistry extends EndpointDirectory {
  /** true once the database was read (load() retried by the sweep until then). */
  readonly loaded: boolean;
  /** Reads every endpoint and model into memory; false when the database is unavailable. */
  load(): Promise<boolean>;
  /** The endpoint's models as stored (any status). */
  modelsOf(endpointId: string): StoredModel[];
  /** Counter columns as loaded at boot (zeros for endpoints created since). */
  persistedCounters(endpointId: string): PersistedCounters;
  create(input: EndpointInput): Promise<EndpointRecord>;
  update(id: string, changes: EndpointChanges): Promise<EndpointRecord>;
  remove(id: string): Promise<void>;
  /** GET {base}/v1/models diffed into endpoint_models; 502 when the upstream gives no listing. */
  syncModels(id: string): Promise<SyncResult>;
  /** Probe + listing now; does not change the stored status. */
  test(id: string): Promise<TestResult>;
  /** One health probe and its transition; never throws. Used by the sweep. */
  checkHealth(id: string): Promise<void>;
  /** Ensures an endpoint exists per declared base URL (same URL → same endpoint); detection left to the sweep. */
  upsertDeclared(declared: { name: string | undefined; baseUrl: string }[]): Promise<void>;
}

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

const ZERO_COUNTERS: PersistedCounters = { total_requests: 0, successful_requests: 0, failed_requests: 0 };
const ZERO_COUNTERS_ROW = {
  totalRequests: 0,
  successfulRequests: 0,
  failedRequests: 0,
  totalInputTokens: 0,
  totalOutputTokens: 0,
};

function toRecord(row: store.EndpointRow, hasApiKey: boolean): EndpointRecord {
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

export function endpointNotFound(id: string): AppError {
  return new AppError("not_found", `No endpoint with id '${id}'`, {
    code: "endpoint_not_found",
    param: "id",
  });
}

export function createEndpointRegistry(options: RegistryOptions): EndpointRegistry {
  const { database, probes, clock, events, secrets } = options;
  const log = options.logger.child({ component: "registry" });
  const modelSyncIntervalMs = options.modelSyncIntervalMs ?? 300_000;
  const newId = options.newId ?? (() => crypto.randomUUID());
  const directory = new Directory();
  const lastSync = new Map<string, number>();
  const locks = new Map<string, Promise<unknown>>();
  let loaded = false;

  /** Runs fn after every earlier operation on the same endpoint (probes, edits and deletes never interleave). */
  const serial = <T>(id: string, fn: () => Promise<T>): Promise<T> => {
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
  };

  const entryOrThrow = (id: string): DirectoryEntry => {
    const entry = directory.entry(id);
    if (!entry) throw endpointNotFound(id);
    return entry;
  };

  const target = (entry: DirectoryEntry): Target => ({ baseUrl: entry.record.baseUrl, apiKey: entry.apiKey });

  const summary = (record: EndpointRecord) => ({
    endpoint_id: record.id,
    name: record.name,
    base_url: record.baseUrl,
    endpoint_type: record.endpointType,
    status: record.status,
  });

  /** DB first, then memory. bestEffort: a failed write is logged and memory still changes. */
  const commit = async (
    entry: DirectoryEntry,
    changes: Partial<Omit<store.EndpointFields, "id" | "registeredAt">>,
    bestEffort = false,
  ): Promise<void> => {
    const stamped = { ...changes, updatedAt: clock.now() };
    try {
      await store.updateEndpoint(database.db, entry.record.id, stamped);
    } catch (error) {
      if (!bestEffort) throw error;
      log.warn("could not persist endpoint state; kept in memory", { endpoint_id: entry.record.id, error });
    }
    const { apiKeyEncrypted, typeExplicit, ...recordChanges } = stamped;
    if (typeExplicit !== undefined) entry.typeExplicit = typeExplicit;
    if (apiKeyEncrypted !== undefined)
      entry.record = { ...entry.record, hasApiKey: apiKeyEncrypted !== null };
    entry.record = { ...entry.record, ...(recordChanges as Partial<EndpointRecord>) };
  };

  const applyModels = async (entry: DirectoryEntry, listed: ListedModel[]): Promise<SyncResult> => {
    const id = entry.record.id;
    const before = directory.modelsOf(id);
    const diff = diffModels(
      before.map((model) => ({ id: model.id, ownedBy: model.ownedBy, metadata: model.metadata ?? "" })),
      listed,
    );
    const now = clock.now();
    await store.applyModelDiff(database.db, id, diff, now);
    const previous = new Map(before.map((model) => [model.id, model]));
    const changed = new Set(diff.updated.map((model) => model.id));
    directory.setModels(
      id,
      listed.map((model) => {
        const old = previous.get(model.id);
        return {
          id: model.id,
          ownedBy: model.ownedBy,
          metadata: model.metadata,
          addedAt: old?.addedAt ?? now,
          updatedAt: old && !changed.has(model.id) ? old.updatedAt : now,
        };
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
  };

  const syncQuietly = async (entry: DirectoryEntry): Promise<void> => {
    try {
      await applyModels(entry, await fetchModelList(probes, target(entry)));
    } catch (error) {
      log.warn("model sync failed", { endpoint_id: entry.record.id, error });
    }
  };

  /** Re-detects a non-explicit type; persists and announces a change. */
  const redetect = async (entry: DirectoryEntry): Promise<void> => {
    if (entry.typeExplicit) return;
    const detection = await detectEndpointType(probes, target(entry));
    if (detection.kind !== "detected" || detection.type === entry.record.endpointType) return;
    log.info("endpoint type detected", { endpoint_id: entry.record.id, endpoint_type: detection.type });
    await commit(entry, { endpointType: detection.type }, true);
    events.publish({ type: "EndpointUpdated", data: summary(entry.record) });
  };

  /**
   * Probe, then transition. On coming online the type is re-detected (unless explicit or `detected`) and
   * the models re-listed before the status flips, so an endpoint is never online with a stale listing.
   * At registration a failure keeps `pending` (recording last_error) rather than moving to offline.
   */
  const probeAndApply = async (
    entry: DirectoryEntry,
    mode: { registration: boolean; detected: boolean },
  ): Promise<void> => {
    const outcome = await probeHealth(probes, target(entry), entry.record.endpointType);
    if (directory.entry(entry.record.id) !== entry) return; // deleted meanwhile
    const before = entry.record;
    if (outcome.ok && before.status !== "online") {
      if (!mode.detected) await redetect(entry);
      await syncQuietly(entry);
    } else if (outcome.ok && clock.now() - (lastSync.get(before.id) ?? 0) >= modelSyncIntervalMs) {
      await syncQuietly(entry);
    }
    const next =
      mode.registration && !outcome.ok
        ? { ...before, lastError: outcome.error }
        : nextHealth(before, outcome, clock.now());
    await commit(
      entry,
      {
        status: next.status,
        errorCount: next.errorCount,
        latencyMs: next.latencyMs,
        lastSeen: next.lastSeen,
        lastError: next.lastError,
      },
      true,
    );
    if (next.status !== before.status) {
      const fields = {
        endpoint_id: before.id,
        old_status: before.status,
        new_status: next.status,
        latency_ms: next.latencyMs,
        last_error: next.lastError,
      };
      log.info("endpoint status changed", { name: before.name, ...fields });
      events.publish({ type: "EndpointStatusChanged", data: fields });
    }
  };

  const normalised = (baseUrl: string): string => {
    const url = normaliseBaseUrl(baseUrl);
    if (!url) {
      throw new AppError(
        "bad_request",
        "base_url must be an http(s) URL without query, fragment or credentials",
        {
          code: "invalid_request",
          param: "base_url",
        },
      );
    }
    return url;
  };

  const assertFree = (field: "name" | "base_url", value: string, exceptId?: string): void => {
    const holder = field === "name" ? directory.findByName(value) : directory.findByBaseUrl(value);
    if (holder && holder.id !== exceptId) {
      throw new AppError("conflict", `An endpoint with this ${field} already exists (${holder.id})`, {
        code: `duplicate_${field}`,
        param: field,
      });
    }
  };

  const persistConflict = (error: unknown): never => {
    const field = uniqueViolation(error);
    if (field)
      throw new AppError("conflict", `An endpoint with this ${field} already exists`, {
        code: `duplicate_${field}`,
        param: field,
      });
    throw error;
  };

  const encryptKey = async (apiKey: string | null | undefined): Promise<string | null | undefined> => {
    if (apiKey === undefined) return undefined;
    if (apiKey === null || apiKey === "") return null;
    return secrets.encrypt(apiKey);
  };

  /** Inserts a pending row and puts it in memory; publishes EndpointRegistered. */
  const insert = async (
    fields: Omit<store.EndpointFields, "id" | "registeredAt" | "updatedAt" | "status" | "errorCount">,
    apiKey: string | undefined,
  ): Promise<DirectoryEntry> => {
    const now = clock.now();
    const row = {
      ...fields,
      id: newId(),
      status: "pending",
      errorCount: 0,
      registeredAt: now,
      updatedAt: now,
    };
    await store.insertEndpoint(database.db, row).catch(persistConflict);
    const entry: DirectoryEntry = {
      record: toRecord({ ...row, ...ZERO_COUNTERS_ROW }, row.apiKeyEncrypted !== null),
      typeExplicit: row.typeExplicit,
      apiKey,
      counters: { ...ZERO_COUNTERS },
    };
    directory.put(entry);
    directory.setModels(entry.record.id, []);
    log.info("endpoint registered", { endpoint_id: row.id, name: row.name, base_url: row.baseUrl });
    events.publish({ type: "EndpointRegistered", data: summary(entry.record) });
    return entry;
  };

  /** Detection (unless explicit), then one probe; an unreachable server stays pending with last_error. */
  const registrationProbe = async (entry: DirectoryEntry): Promise<void> => {
    if (!entry.typeExplicit) {
      const detection = await detectEndpointType(probes, target(entry));
      if (detection.kind === "unreachable") {
        await commit(entry, { lastError: `unreachable: ${detection.reason}` }, true);
        return;
      }
      if (detection.kind === "detected" && detection.type !== entry.record.endpointType) {
        await commit(entry, { endpointType: detection.type }, true);
      }
      await probeAndApply(entry, { registration: true, detected: detection.kind === "detected" });
      return;
    }
    await probeAndApply(entry, { registration: true, detected: true });
  };

  const registry: EndpointRegistry = {
    get loaded() {
      return loaded;
    },
    list: () => directory.list(),
    get: (id) => directory.get(id),
    routesFor: (model) => directory.routesFor(model),
    isKnownModel: (model) => directory.isKnownModel(model),
    listModels: () => directory.listModels(),
    apiKeyOf: (id) => directory.apiKeyOf(id),
    modelsOf: (id) => directory.modelsOf(id),
    persistedCounters: (id) => directory.entry(id)?.counters ?? { ...ZERO_COUNTERS },

    async load() {
      let rows: store.EndpointRow[];
      let models: store.ModelRow[];
      try {
        [rows, models] = await Promise.all([store.loadEndpoints(database.db), store.loadModels(database.db)]);
      } catch (error) {
        log.warn("could not load endpoints; retrying from the health sweep", { error });
        return false;
      }
      directory.clear();
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
        directory.put({
          record: toRecord(row, row.apiKeyEncrypted !== null),
          typeExplicit: row.typeExplicit,
          apiKey,
          counters: {
            total_requests: row.totalRequests,
            successful_requests: row.successfulRequests,
            failed_requests: row.failedRequests,
          },
        });
      }
      const byEndpoint = new Map<string, StoredModel[]>();
      for (const model of models) {
        const list = byEndpoint.get(model.endpointId) ?? [];
        list.push({
          id: model.modelId,
          ownedBy: model.ownedBy,
          metadata: model.metadata,
          addedAt: model.addedAt,
          updatedAt: model.updatedAt,
        });
        byEndpoint.set(model.endpointId, list);
      }
      for (const row of rows) directory.setModels(row.id, byEndpoint.get(row.id) ?? []);
      loaded = true;
      log.info("endpoints loaded", { endpoints: rows.length, models: models.length });
      return true;
    },

    async create(input) {
      const baseUrl = normalised(input.baseUrl);
      assertFree("name", input.name);
      assertFree("base_url", baseUrl);
      const apiKeyEncrypted = (await encryptKey(input.apiKey)) ?? null;
      const entry = await insert(
        {
          name: input.name,
          baseUrl,
          apiKeyEncrypted,
          endpointType: input.endpointType ?? "openai_compatible",
          typeExplicit: input.endpointType !== undefined,
          latencyMs: null,
          lastSeen: null,
          lastError: null,
          healthCheckIntervalSecs: input.healthCheckIntervalSecs ?? options.defaultHealthCheckIntervalSecs,
          inferenceTimeoutSecs: input.inferenceTimeoutSecs ?? 120,
          maxConcurrency: input.maxConcurrency ?? null,
          notes: input.notes ?? null,
        },
        apiKeyEncrypted === null ? undefined : (input.apiKey ?? undefined),
      );
      await serial(entry.record.id, () => registrationProbe(entry));
      return entry.record;
    },

    update: (id, changes) =>
      serial(id, async () => {
        const entry = entryOrThrow(id);
        const baseUrl = changes.baseUrl === undefined ? undefined : normalised(changes.baseUrl);
        if (changes.name !== undefined) assertFree("name", changes.name, id);
        if (baseUrl !== undefined) assertFree("base_url", baseUrl, id);
        const urlChanged = baseUrl !== undefined && baseUrl !== entry.record.baseUrl;
        const apiKeyEncrypted = await encryptKey(changes.apiKey);
        const fields: Partial<store.EndpointFields> = {
          ...(changes.name !== undefined && { name: changes.name }),
          ...(urlChanged && {
            baseUrl,
            status: "pending",
            errorCount: 0,
            latencyMs: null,
            lastSeen: null,
            lastError: null,
          }),
          ...(apiKeyEncrypted !== undefined && { apiKeyEncrypted }),
          ...(changes.endpointType !== undefined && {
            endpointType: changes.endpointType,
            typeExplicit: true,
          }),
          ...(changes.healthCheckIntervalSecs !== undefined && {
            healthCheckIntervalSecs: changes.healthCheckIntervalSecs,
          }),
          ...(changes.inferenceTimeoutSecs !== undefined && {
            inferenceTimeoutSecs: changes.inferenceTimeoutSecs,
          }),
          ...(changes.maxConcurrency !== undefined && { maxConcurrency: changes.maxConcurrency }),
          ...(changes.notes !== undefined && { notes: changes.notes }),
        };
        try {
          await commit(entry, fields);
        } catch (error) {
          persistConflict(error);
        }
        if (apiKeyEncrypted !== undefined)
          entry.apiKey = apiKeyEncrypted === null ? undefined : (changes.apiKey ?? undefined);
        events.publish({ type: "EndpointUpdated", data: summary(entry.record) });
        if (urlChanged) await registrationProbe(entry);
        return entry.record;
      }),

    remove: (id) =>
      serial(id, async () => {
        entryOrThrow(id);
        await store.deleteEndpoint(database.db, id);
        directory.remove(id);
        lastSync.delete(id);
        log.info("endpoint removed", { endpoint_id: id });
        events.publish({ type: "EndpointRemoved", data: { endpoint_id: id } });
      }),

    syncModels: (id) =>
      serial(id, async () => {
        const entry = entryOrThrow(id);
        let listed: ListedModel[];
        try {
          listed = await fetchModelList(probes, target(entry));
        } catch (error) {
          throw new AppError("bad_gateway", `Model sync failed: ${(error as Error).message}`, {
            code: "upstream_error",
          });
        }
        return applyModels(entry, listed);
      }),

    async test(id) {
      const entry = entryOrThrow(id);
      const outcome = await probeHealth(probes, target(entry), entry.record.endpointType);
      let modelsFound = 0;
      let listingError: string | null = null;
      try {
        modelsFound = (await fetchModelList(probes, target(entry))).length;
      } catch (error) {
        listingError = (error as Error).message;
      }
      return {
        success: outcome.ok,
        latency_ms: outcome.ok ? outcome.latencyMs : null,
        error: outcome.ok ? listingError : outcome.error,
        models_found: modelsFound,
      };
    },

    checkHealth: (id) =>
      serial(id, async () => {
        const entry = directory.entry(id);
        if (!entry) return;
        try {
          await probeAndApply(entry, { registration: false, detected: false });
        } catch (error) {
          log.error("health check failed", { endpoint_id: id, error });
        }
      }),

    async upsertDeclared(declared) {
      for (const item of declared) {
        const baseUrl = normaliseBaseUrl(item.baseUrl);
        if (!baseUrl) {
          log.warn("ignoring a declared endpoint with an unusable URL", { base_url: item.baseUrl });
          continue;
        }
        const existing = directory.findByBaseUrl(baseUrl);
        try {
          if (existing) {
            if (item.name && item.name !== existing.name && !directory.findByName(item.name)) {
              await registry.update(existing.id, { name: item.name });
            }
            continue;
          }
          const name = item.name ?? nameFromBaseUrl(baseUrl);
          if (directory.findByName(name)) {
            log.warn("declared endpoint name already taken; skipped", { name, base_url: baseUrl });
            continue;
          }
          await insert(
            {
              name,
              baseUrl,
              apiKeyEncrypted: null,
              endpointType: "openai_compatible",
              typeExplicit: false,
              latencyMs: null,
              lastSeen: null,
              lastError: null,
              healthCheckIntervalSecs: options.defaultHealthCheckIntervalSecs,
              inferenceTimeoutSecs: 120,
              maxConcurrency: null,
              notes: null,
            },
            undefined,
          );
        } catch (error) {
          log.warn("could not upsert a declared endpoint", { base_url: baseUrl, error });
        }
      }
    },
  };

  return registry;
}
