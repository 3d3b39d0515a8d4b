// Owns the endpoint registry service: the EndpointDirectory readers use, plus create/update/delete,
// manual sync and test, health checks and declared endpoints. Invariant: the database is written first,
// then memory — except a health result whose write failed, which still reaches memory (and is logged) so
// routing follows reality. The counter columns of `endpoints` are never written here.
import { AppError } from "../errors.js";
import { nameFromBaseUrl, normaliseBaseUrl, originOf } from "./base-url.js";
import type { DirectoryEntry, PersistedCounters, StoredModel } from "./directory.js";
import { probeAndApply, registrationProbe } from "./health-check.js";
import type { ListedModel } from "./model-list.js";
import { fetchModelList, probeHealth } from "./probes.js";
import {
  asConflict,
  createRegistryCore,
  type EndpointChangeSet,
  type RegistryOptions,
  type SyncResult,
  ZERO_COUNTERS,
} from "./registry-core.js";
import { deleteEndpoint } from "./store.js";
import type { EndpointDirectory, EndpointRecord, EndpointType } from "./types.js";

export type { RegistryOptions, SyncResult };

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

export interface TestResult {
  success: boolean;
  latency_ms: number | null;
  error: string | null;
  models_found: number;
}

export interface EndpointRegistry extends EndpointDirectory {
  /** true once the database was read (load() is retried by the sweep until then). */
  readonly loaded: boolean;
  /** Reads every endpoint and model into memory; false when the database is unavailable. */
  load(): Promise<boolean>;
  /** The endpoint's models as stored (any status). */
  modelsOf(endpointId: string): StoredModel[];
  /** Counter columns as loaded at boot (zeros for endpoints created since). */
  persistedCounters(endpointId: string): PersistedCounters;
  /** Detects the type (unless given), probes, lists models; unreachable → saved `pending` with last_error. */
  create(input: EndpointInput): Promise<EndpointRecord>;
  /** Partial update; a new base_url resets the status to pending and re-runs detection, probe and sync. */
  update(id: string, changes: EndpointChanges): Promise<EndpointRecord>;
  remove(id: string): Promise<void>;
  /** GET {base}/v1/models diffed into endpoint_models; 502 when the upstream gives no listing. */
  syncModels(id: string): Promise<SyncResult>;
  /** Probe + listing now; does not change the stored status. */
  test(id: string): Promise<TestResult>;
  /** One health probe and its transition; never throws. Used by the sweep. */
  checkHealth(id: string): Promise<void>;
  /** One endpoint per declared base URL (same URL → same endpoint); detection is left to the sweep. */
  upsertDeclared(declared: { name: string | undefined; baseUrl: string }[]): Promise<void>;
  /**
   * While load() fails (database unusable): keeps the declared endpoints in memory only, so they are
   * probed and proxied to anyway; the next successful load() replaces them with the persisted ones.
   */
  serveDeclaredWithoutDatabase(declared: { name: string | undefined; baseUrl: string }[]): void;
}

export function endpointNotFound(id: string): AppError {
  return new AppError("not_found", `No endpoint with id '${id}'`, {
    code: "endpoint_not_found",
    param: "id",
  });
}

function normalised(baseUrl: string): string {
  const url = normaliseBaseUrl(baseUrl);
  if (url) return url;
  throw new AppError(
    "bad_request",
    "base_url must be an http(s) URL without query, fragment or credentials",
    {
      code: "invalid_request",
      param: "base_url",
    },
  );
}

export function createEndpointRegistry(options: RegistryOptions): EndpointRegistry {
  const core = createRegistryCore(options);
  const { directory, log, events, probes, serial, target } = core;
  const { secrets } = options;

  const entryOrThrow = (id: string): DirectoryEntry => {
    const entry = directory.entry(id);
    if (!entry) throw endpointNotFound(id);
    return entry;
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

  const encryptKey = async (apiKey: string | null | undefined): Promise<string | null | undefined> => {
    if (apiKey === undefined) return undefined;
    if (apiKey === null || apiKey === "") return null;
    return secrets.encrypt(apiKey);
  };

  const usableDeclared = (declared: { name: string | undefined; baseUrl: string }[]) =>
    declared.flatMap((item) => {
      const baseUrl = normaliseBaseUrl(item.baseUrl);
      if (baseUrl) return [{ name: item.name ?? nameFromBaseUrl(baseUrl), baseUrl }];
      log.warn("ignoring a declared endpoint with an unusable URL", { base_url: item.baseUrl });
      return [];
    });

  const registry: EndpointRegistry = {
    get loaded() {
      return core.state.loaded;
    },
    list: () => directory.list(),
    get: (id) => directory.get(id),
    routesFor: (model) => directory.routesFor(model),
    isKnownModel: (model) => directory.isKnownModel(model),
    listModels: () => directory.listModels(),
    apiKeyOf: (id) => directory.apiKeyOf(id),
    modelsOf: (id) => directory.modelsOf(id),
    persistedCounters: (id) => directory.entry(id)?.counters ?? { ...ZERO_COUNTERS },
    load: () => core.load(),

    async create(input) {
      const baseUrl = normalised(input.baseUrl);
      assertFree("name", input.name);
      assertFree("base_url", baseUrl);
      const apiKeyEncrypted = (await encryptKey(input.apiKey)) ?? null;
      const entry = await core.insert(
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
      await serial(entry.record.id, () => registrationProbe(core, entry));
      return entry.record;
    },

    update: (id, changes) =>
      serial(id, async () => {
        const entry = entryOrThrow(id);
        const baseUrl = changes.baseUrl === undefined ? undefined : normalised(changes.baseUrl);
        if (changes.name !== undefined) assertFree("name", changes.name, id);
        if (baseUrl !== undefined) assertFree("base_url", baseUrl, id);
        const urlChanged = baseUrl !== undefined && baseUrl !== entry.record.baseUrl;
        // The stored key belongs to its origin: a move elsewhere drops it unless a key comes along.
        const keyDropped =
          urlChanged && changes.apiKey === undefined && originOf(baseUrl) !== originOf(entry.record.baseUrl);
        const apiKeyEncrypted = keyDropped ? null : await encryptKey(changes.apiKey);
        const fields: EndpointChangeSet = {
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
          await core.commit(entry, fields);
        } catch (error) {
          asConflict(error);
        }
        if (apiKeyEncrypted !== undefined)
          entry.apiKey = apiKeyEncrypted === null ? undefined : (changes.apiKey ?? undefined);
        if (keyDropped)
          log.info("endpoint moved to another origin; its stored API key was dropped", { endpoint_id: id });
        events.publish({ type: "EndpointUpdated", data: core.summary(entry.record) });
        if (urlChanged) await registrationProbe(core, entry);
        return entry.record;
      }),

    remove: (id) =>
      serial(id, async () => {
        entryOrThrow(id);
        await deleteEndpoint(options.database.db, id);
        directory.remove(id);
        core.lastSync.delete(id);
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
        return core.applyModels(entry, listed);
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
          await probeAndApply(core, entry, { registration: false, detected: false });
        } catch (error) {
          log.error("health check failed", { endpoint_id: id, error });
        }
      }),

    serveDeclaredWithoutDatabase(declared) {
      if (!core.state.loaded) core.serveWithoutDatabase(usableDeclared(declared));
    },

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
          await core.insert(
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
