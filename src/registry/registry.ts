// Owns the endpoint registry's commands: create/update/delete, manual sync and test, health checks and
// declared endpoints. Reads go to the Directory (memory) directly; writes go through the RegistryWriter
// (database first, then memory — except a health result whose write failed, which still reaches memory so
// routing follows reality). The counter columns of `endpoints` are never written here.

import { AppError } from "../errors.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";
import { nameFromBaseUrl, normaliseBaseUrl, originOf } from "./base-url.js";
import { CLOUD_BASE_URLS, isCloudType } from "./cloud.js";
import type { DirectoryEntry } from "./directory.js";
import { type EndpointDefaults, type NewEndpointInput, newEndpoint } from "./endpoint-defaults.js";
import {
  endpointSummary,
  type HealthPorts,
  listModels,
  probeAndApply,
  registrationProbe,
  targetOf,
} from "./health-check.js";
import type { ListedModel } from "./model-list.js";
import { fetchLoadedModels, fetchModelList, type ProbeContext, probeHealth } from "./probes.js";
import {
  asConflict,
  type EndpointChangeSet,
  type RegistryWriter,
  type SyncResult,
} from "./registry-writer.js";
import type { SecretBox } from "./secret-box.js";
import { SerialLocks } from "./serial-locks.js";
import type { EndpointRecord, EndpointType } from "./types.js";

export type { SyncResult };

/** Fields a caller may set; `apiKey: null` (or "") clears the key, `endpointType` makes the type explicit. */
export interface EndpointInput {
  name: string;
  /** Optional for cloud types (their public API is the default). */
  baseUrl: string | undefined;
  apiKey?: string | null | undefined;
  endpointType?: EndpointType | undefined;
  healthCheckIntervalSecs?: number | undefined;
  inferenceTimeoutSecs?: number | undefined;
  maxConcurrency?: number | null | undefined;
  notes?: string | null | undefined;
}

export type EndpointChanges = Partial<EndpointInput>;
export type Declared = { name: string | undefined; baseUrl: string }[];

export interface TestResult {
  success: boolean;
  latency_ms: number | null;
  error: string | null;
  models_found: number;
}

export interface RegistryOptions {
  writer: RegistryWriter;
  probes: ProbeContext;
  events: EventBus;
  logger: Logger;
  secrets: SecretBox;
  defaults: EndpointDefaults;
  now: () => number;
  /** Online endpoints re-list their models at most this often from the sweep, ms. */
  modelSyncIntervalMs?: number;
  /** Generates endpoint ids. */
  newId?: () => string;
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

/** A cloud endpoint always has a key (registration, edits and moves alike). */
function assertCloudKey(type: EndpointType | undefined, hasKey: boolean): void {
  if (type && isCloudType(type) && !hasKey) {
    throw new AppError("bad_request", `A ${type} endpoint needs an api_key`, {
      code: "api_key_required",
      param: "api_key",
    });
  }
}

/** A cloud registration's base URL (its provider's unless given); 400 without a key. */
function cloudBaseUrl(input: EndpointInput): string {
  const type = input.endpointType;
  assertCloudKey(type, Boolean(input.apiKey));
  if (input.baseUrl !== undefined) return input.baseUrl;
  if (type && isCloudType(type)) return CLOUD_BASE_URLS[type];
  throw new AppError("bad_request", "base_url is required", { code: "invalid_request", param: "base_url" });
}

/** The stored changes of an update (a new base URL resets everything measured). */
function changeSet(
  changes: EndpointChanges,
  baseUrl: string | undefined,
  apiKeyEncrypted: string | null | undefined,
) {
  const fields: EndpointChangeSet = {};
  if (changes.name !== undefined) fields.name = changes.name;
  if (baseUrl !== undefined) {
    Object.assign(fields, {
      baseUrl,
      status: "pending",
      errorCount: 0,
      latencyMs: null,
      lastSeen: null,
      lastError: null,
    });
  }
  if (apiKeyEncrypted !== undefined) fields.apiKeyEncrypted = apiKeyEncrypted;
  if (changes.endpointType !== undefined)
    Object.assign(fields, { endpointType: changes.endpointType, typeExplicit: true });
  if (changes.healthCheckIntervalSecs !== undefined)
    fields.healthCheckIntervalSecs = changes.healthCheckIntervalSecs;
  if (changes.inferenceTimeoutSecs !== undefined) fields.inferenceTimeoutSecs = changes.inferenceTimeoutSecs;
  if (changes.maxConcurrency !== undefined) fields.maxConcurrency = changes.maxConcurrency;
  if (changes.notes !== undefined) fields.notes = changes.notes;
  return fields;
}

export class EndpointRegistry {
  /** true once the database was read (load() is retried by the sweep until then). */
  loaded = false;
  private readonly serial = new SerialLocks();
  private readonly health: HealthPorts;
  private readonly log: Logger;
  private readonly newId: () => string;

  constructor(private readonly options: RegistryOptions) {
    this.log = options.logger.child({ component: "registry" });
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.health = {
      probes: options.probes,
      writer: options.writer,
      events: options.events,
      log: this.log,
      now: options.now,
      modelSyncIntervalMs: options.modelSyncIntervalMs ?? 300_000,
    };
  }

  private get directory() {
    return this.options.writer.directory;
  }

  /** Reads every endpoint and model into memory; false when the database is unavailable. */
  async load(): Promise<boolean> {
    const ok = await this.options.writer.load(this.options.secrets);
    if (ok) this.loaded = true;
    return ok;
  }

  /** Detects the type (unless given), probes, lists models; unreachable → saved `pending` with last_error. */
  async create(input: EndpointInput): Promise<EndpointRecord> {
    const baseUrl = normalised(cloudBaseUrl(input));
    this.assertFree("name", input.name);
    this.assertFree("base_url", baseUrl);
    const apiKeyEncrypted = (await this.encryptKey(input.apiKey)) ?? null;
    const { apiKey: _key, ...fields } = input;
    const entry = await this.insert(
      { ...fields, baseUrl, apiKeyEncrypted },
      apiKeyEncrypted === null ? undefined : (input.apiKey ?? undefined),
    );
    await this.serial.run(entry.record.id, () => registrationProbe(this.health, entry));
    return entry.record;
  }

  /** Partial update; a new base_url resets the status to pending and re-runs detection, probe and sync. */
  update(id: string, changes: EndpointChanges): Promise<EndpointRecord> {
    return this.serial.run(id, async () => {
      const entry = this.entryOrThrow(id);
      const baseUrl = changes.baseUrl === undefined ? undefined : normalised(changes.baseUrl);
      if (changes.name !== undefined) this.assertFree("name", changes.name, id);
      if (baseUrl !== undefined) this.assertFree("base_url", baseUrl, id);
      const urlChanged = baseUrl !== undefined && baseUrl !== entry.record.baseUrl;
      // The stored key belongs to its origin: a move elsewhere drops it unless a key comes along.
      const keyDropped =
        urlChanged && changes.apiKey === undefined && originOf(baseUrl) !== originOf(entry.record.baseUrl);
      const apiKeyEncrypted = keyDropped ? null : await this.encryptKey(changes.apiKey);
      const keyAfter = apiKeyEncrypted === undefined ? entry.record.hasApiKey : apiKeyEncrypted !== null;
      assertCloudKey(changes.endpointType ?? entry.record.endpointType, keyAfter);
      try {
        await this.options.writer.commit(
          entry,
          changeSet(changes, urlChanged ? baseUrl : undefined, apiKeyEncrypted),
        );
      } catch (error) {
        asConflict(error);
      }
      if (apiKeyEncrypted !== undefined)
        entry.apiKey = apiKeyEncrypted === null ? undefined : (changes.apiKey ?? undefined);
      // Cloud models are routed as `provider:model`: a type change renames them.
      if (changes.endpointType !== undefined) this.directory.reindex(id);
      if (keyDropped)
        this.log.info("endpoint moved to another origin; its stored API key was dropped", {
          endpoint_id: id,
        });
      this.options.events.publish({ type: "EndpointUpdated", data: endpointSummary(entry.record) });
      if (urlChanged) await registrationProbe(this.health, entry);
      return entry.record;
    });
  }

  remove(id: string): Promise<void> {
    return this.serial.run(id, async () => {
      this.entryOrThrow(id);
      await this.options.writer.remove(id);
      this.log.info("endpoint removed", { endpoint_id: id });
      this.options.events.publish({ type: "EndpointRemoved", data: { endpoint_id: id } });
    });
  }

  /** GET {base}/v1/models diffed into endpoint_models; 502 when the upstream gives no listing. */
  syncModels(id: string): Promise<SyncResult> {
    return this.serial.run(id, async () => {
      const entry = this.entryOrThrow(id);
      let listed: ListedModel[];
      try {
        listed = await listModels(this.options.probes, this.directory, entry);
      } catch (error) {
        throw new AppError("bad_gateway", `Model sync failed: ${(error as Error).message}`, {
          code: "upstream_error",
        });
      }
      return this.options.writer.applyModels(entry, listed);
    });
  }

  /** Probe + listing now; does not change the stored status. */
  async test(id: string): Promise<TestResult> {
    const entry = this.entryOrThrow(id);
    const outcome = await probeHealth(this.options.probes, targetOf(entry), entry.record.endpointType);
    let modelsFound = 0;
    let listingError: string | null = null;
    try {
      modelsFound = (await fetchModelList(this.options.probes, targetOf(entry))).length;
    } catch (error) {
      listingError = (error as Error).message;
    }
    return {
      success: outcome.ok,
      latency_ms: outcome.ok ? outcome.latencyMs : null,
      error: outcome.ok ? listingError : outcome.error,
      models_found: modelsFound,
    };
  }

  /** One health probe and its transition; never throws. Used by the sweep. */
  checkHealth(id: string): Promise<void> {
    return this.serial.run(id, async () => {
      const entry = this.directory.entry(id);
      if (!entry) return;
      try {
        await probeAndApply(this.health, entry, { registration: false, detected: false });
      } catch (error) {
        this.log.error("health check failed", { endpoint_id: id, error });
      }
    });
  }

  /** What an online Ollama endpoint reports loaded (GET /api/ps); null for other types or no answer. */
  async loadedModels(id: string): Promise<Set<string> | null> {
    const entry = this.directory.entry(id);
    if (entry?.record.endpointType !== "ollama" || entry.record.status !== "online") return null;
    return fetchLoadedModels(this.options.probes, targetOf(entry));
  }

  /** One endpoint per declared base URL (same URL → same endpoint); detection is left to the sweep. */
  async upsertDeclared(declared: Declared): Promise<void> {
    for (const { name, baseUrl } of this.usable(declared)) {
      const existing = this.directory.findByBaseUrl(baseUrl);
      try {
        if (existing) {
          if (name.given && name.value !== existing.name && !this.directory.findByName(name.value)) {
            await this.update(existing.id, { name: name.value });
          }
          continue;
        }
        if (this.directory.findByName(name.value)) {
          this.log.warn("declared endpoint name already taken; skipped", {
            name: name.value,
            base_url: baseUrl,
          });
          continue;
        }
        await this.insert({ name: name.value, baseUrl }, undefined);
      } catch (error) {
        this.log.warn("could not upsert a declared endpoint", { base_url: baseUrl, error });
      }
    }
  }

  /**
   * While load() fails (database unusable): keeps the declared endpoints in memory only, so they are probed
   * and proxied to anyway; the next successful load() replaces them with the persisted ones.
   */
  async serveDeclaredWithoutDatabase(declared: Declared): Promise<void> {
    if (this.loaded) return;
    for (const { name, baseUrl } of this.usable(declared)) {
      if (this.directory.findByBaseUrl(baseUrl) || this.directory.findByName(name.value)) continue;
      const entry = await this.insert({ name: name.value, baseUrl }, undefined, true);
      this.log.warn("serving a declared endpoint from memory while the database is unusable", {
        endpoint_id: entry.record.id,
        name: name.value,
        base_url: baseUrl,
      });
    }
  }

  /**
   * A new endpoint with the defaults (newEndpoint), stored and announced. Its registration time (epoch ms) is
   * strictly after every endpoint already known, so listing by registration time is registration order even
   * when two are registered within one clock tick (declared endpoints at boot, a frozen test clock).
   */
  private async insert(input: NewEndpointInput, apiKey: string | undefined, memoryOnly = false) {
    const latest = this.directory.list().at(-1)?.registeredAt ?? Number.NEGATIVE_INFINITY;
    const now = Math.max(this.options.now(), latest + 1);
    const row = newEndpoint(this.options.defaults, input, { id: this.newId(), now });
    const entry = await this.options.writer.insert(row, apiKey, memoryOnly);
    if (!memoryOnly)
      this.log.info("endpoint registered", { endpoint_id: row.id, name: row.name, base_url: row.baseUrl });
    this.options.events.publish({ type: "EndpointRegistered", data: endpointSummary(entry.record) });
    return entry;
  }

  /** Declared endpoints with a usable URL; the name derived from the URL when none is given. */
  private usable(declared: Declared) {
    return declared.flatMap((item) => {
      const baseUrl = normaliseBaseUrl(item.baseUrl);
      if (baseUrl)
        return [
          { name: { value: item.name ?? nameFromBaseUrl(baseUrl), given: Boolean(item.name) }, baseUrl },
        ];
      this.log.warn("ignoring a declared endpoint with an unusable URL", { base_url: item.baseUrl });
      return [];
    });
  }

  private entryOrThrow(id: string): DirectoryEntry {
    const entry = this.directory.entry(id);
    if (!entry) throw endpointNotFound(id);
    return entry;
  }

  private assertFree(field: "name" | "base_url", value: string, exceptId?: string): void {
    const holder = field === "name" ? this.directory.findByName(value) : this.directory.findByBaseUrl(value);
    if (holder && holder.id !== exceptId) {
      throw new AppError("conflict", `An endpoint with this ${field} already exists (${holder.id})`, {
        code: `duplicate_${field}`,
        param: field,
      });
    }
  }

  private async encryptKey(apiKey: string | null | undefined): Promise<string | null | undefined> {
    if (apiKey === undefined) return undefined;
    if (apiKey === null || apiKey === "") return null;
    return this.options.secrets.encrypt(apiKey);
  }
}
