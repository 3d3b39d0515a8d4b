// Owns one endpoint's probe-and-transition step (used by the sweep and at registration), including type
// re-detection and model re-sync when an endpoint comes (back) online.
import type { DirectoryEntry } from "./directory.js";
import { nextHealth } from "./health-status.js";
import { detectEndpointType, probeHealth } from "./probes.js";
import type { RegistryCore } from "./registry-core.js";

/** Re-detects a non-explicit type; persists and announces a change. */
async function redetect(core: RegistryCore, entry: DirectoryEntry): Promise<void> {
  if (entry.typeExplicit) return;
  const detection = await detectEndpointType(core.probes, core.target(entry));
  if (detection.kind !== "detected" || detection.type === entry.record.endpointType) return;
  core.log.info("endpoint type detected", { endpoint_id: entry.record.id, endpoint_type: detection.type });
  await core.commit(entry, { endpointType: detection.type }, true);
  core.events.publish({ type: "EndpointUpdated", data: core.summary(entry.record) });
}

/**
 * Probe, then transition. On coming online the type is re-detected (unless explicit or just `detected`)
 * and the models re-listed before the status flips, so an endpoint never turns online with a stale listing.
 * At registration a failure keeps `pending` (recording last_error) rather than moving to offline.
 * Caller holds the endpoint's serial lock.
 */
export async function probeAndApply(
  core: RegistryCore,
  entry: DirectoryEntry,
  mode: { registration: boolean; detected: boolean },
): Promise<void> {
  const outcome = await probeHealth(core.probes, core.target(entry), entry.record.endpointType);
  if (core.directory.entry(entry.record.id) !== entry) return; // deleted meanwhile
  const before = entry.record;
  if (outcome.ok && before.status !== "online") {
    if (!mode.detected) await redetect(core, entry);
    await core.syncQuietly(entry);
  } else if (
    outcome.ok &&
    core.clock.now() - (core.lastSync.get(before.id) ?? 0) >= core.modelSyncIntervalMs
  ) {
    await core.syncQuietly(entry);
  }
  const next =
    mode.registration && !outcome.ok
      ? { ...before, lastError: outcome.error }
      : nextHealth(before, outcome, core.clock.now());
  const { status, errorCount, latencyMs, lastSeen, lastError } = next;
  await core.commit(entry, { status, errorCount, latencyMs, lastSeen, lastError }, true);
  if (status !== before.status) {
    const fields = {
      endpoint_id: before.id,
      old_status: before.status,
      new_status: status,
      latency_ms: latencyMs,
      last_error: lastError,
    };
    core.log.info("endpoint status changed", { name: before.name, ...fields });
    core.events.publish({ type: "EndpointStatusChanged", data: fields });
  }
}

/** Detection (unless explicit), then one probe; an unreachable server stays pending with last_error. */
export async function registrationProbe(core: RegistryCore, entry: DirectoryEntry): Promise<void> {
  if (entry.typeExplicit) return probeAndApply(core, entry, { registration: true, detected: true });
  const detection = await detectEndpointType(core.probes, core.target(entry));
  if (detection.kind === "unreachable") {
    await core.commit(entry, { lastError: `unreachable: ${detection.reason}` }, true);
    return;
  }
  if (detection.kind === "detected" && detection.type !== entry.record.endpointType) {
    await core.commit(entry, { endpointType: detection.type }, true);
  }
  await probeAndApply(core, entry, { registration: true, detected: detection.kind === "detected" });
}
