// Owns one endpoint's probe-and-transition step (used by the sweep and at registration), including type
// re-detection and model re-sync when an endpoint comes (back) online.
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";
import type { Directory, DirectoryEntry } from "./directory.js";
import { nextHealth } from "./health-status.js";
import type { ListedModel } from "./model-list.js";
import {
  detectEndpointType,
  fetchModelList,
  type ProbeContext,
  probeHealth,
  type Target,
  withReportedCapabilities,
} from "./probes.js";
import type { RegistryWriter } from "./registry-writer.js";
import type { EndpointRecord } from "./types.js";

/** What a health check needs: probing, the writer (database then memory), the bus and the clock. */
export interface HealthPorts {
  probes: ProbeContext;
  writer: Pick<RegistryWriter, "commit" | "applyModels" | "syncedAt" | "directory">;
  events: EventBus;
  log: Logger;
  now: () => number;
  /** Online endpoints re-list their models at most this often, ms. */
  modelSyncIntervalMs: number;
}

export const targetOf = (entry: DirectoryEntry): Target => ({
  baseUrl: entry.record.baseUrl,
  apiKey: entry.apiKey,
  type: entry.record.endpointType,
});

/** The endpoint's listing, with what it reports each new model can do (Ollama /api/show, llama.cpp /props). */
export async function listModels(
  probes: ProbeContext,
  directory: Pick<Directory, "modelsOf">,
  entry: DirectoryEntry,
): Promise<ListedModel[]> {
  const listed = await fetchModelList(probes, targetOf(entry));
  const known = new Map(directory.modelsOf(entry.record.id).map((model) => [model.id, model.capabilities]));
  return withReportedCapabilities(probes, targetOf(entry), listed, known);
}

/** The endpoint as EndpointRegistered / EndpointUpdated events carry it. */
export const endpointSummary = (record: EndpointRecord) => ({
  endpoint_id: record.id,
  name: record.name,
  base_url: record.baseUrl,
  endpoint_type: record.endpointType,
  status: record.status,
});

/** A sync whose failure is only logged (health-driven syncs). */
async function syncQuietly(ports: HealthPorts, entry: DirectoryEntry): Promise<void> {
  try {
    await ports.writer.applyModels(entry, await listModels(ports.probes, ports.writer.directory, entry));
  } catch (error) {
    ports.log.warn("model sync failed", { endpoint_id: entry.record.id, error });
  }
}

/** Re-detects a non-explicit type; persists and announces a change. */
async function redetect(ports: HealthPorts, entry: DirectoryEntry): Promise<void> {
  if (entry.typeExplicit) return;
  const detection = await detectEndpointType(ports.probes, targetOf(entry));
  if (detection.kind !== "detected" || detection.type === entry.record.endpointType) return;
  ports.log.info("endpoint type detected", { endpoint_id: entry.record.id, endpoint_type: detection.type });
  await ports.writer.commit(entry, { endpointType: detection.type }, true);
  ports.events.publish({ type: "EndpointUpdated", data: endpointSummary(entry.record) });
}

/**
 * Probe, then transition. On coming online the type is re-detected (unless explicit or just `detected`)
 * and the models re-listed before the status flips, so an endpoint never turns online with a stale listing.
 * At registration a failure keeps `pending` (recording last_error) rather than moving to offline.
 * Caller holds the endpoint's serial lock.
 */
export async function probeAndApply(
  ports: HealthPorts,
  entry: DirectoryEntry,
  mode: { registration: boolean; detected: boolean },
): Promise<void> {
  const outcome = await probeHealth(ports.probes, targetOf(entry), entry.record.endpointType);
  if (ports.writer.directory.entry(entry.record.id) !== entry) return; // deleted meanwhile
  const before = entry.record;
  if (outcome.ok && before.status !== "online") {
    if (!mode.detected) await redetect(ports, entry);
    await syncQuietly(ports, entry);
  } else if (outcome.ok && ports.now() - ports.writer.syncedAt(before.id) >= ports.modelSyncIntervalMs) {
    await syncQuietly(ports, entry);
  }
  const next =
    mode.registration && !outcome.ok
      ? { ...before, lastError: outcome.error }
      : nextHealth(before, outcome, ports.now());
  const { status, errorCount, latencyMs, lastSeen, lastError } = next;
  await ports.writer.commit(entry, { status, errorCount, latencyMs, lastSeen, lastError }, true);
  if (status !== before.status) {
    const fields = {
      endpoint_id: before.id,
      old_status: before.status,
      new_status: status,
      latency_ms: latencyMs,
      last_error: lastError,
    };
    ports.log.info("endpoint status changed", { name: before.name, ...fields });
    ports.events.publish({ type: "EndpointStatusChanged", data: fields });
  }
}

/** Detection (unless explicit), then one probe; an unreachable server stays pending with last_error. */
export async function registrationProbe(ports: HealthPorts, entry: DirectoryEntry): Promise<void> {
  if (entry.typeExplicit) return probeAndApply(ports, entry, { registration: true, detected: true });
  const detection = await detectEndpointType(ports.probes, targetOf(entry));
  if (detection.kind === "unreachable") {
    await ports.writer.commit(entry, { lastError: `unreachable: ${detection.reason}` }, true);
    return;
  }
  if (detection.kind === "detected" && detection.type !== entry.record.endpointType) {
    await ports.writer.commit(entry, { endpointType: detection.type }, true);
  }
  await probeAndApply(ports, entry, { registration: true, detected: detection.kind === "detected" });
}
