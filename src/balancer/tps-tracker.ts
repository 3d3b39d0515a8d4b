// Owns the in-memory speed measurements per (endpoint, model, api_kind): TPS, TTFT and decode-TPS EMAs,
// their totals and the learned load profile; and the typical output length per model. Pure: fed
// completion records, read by the router, the dashboard and the checkpoint.
import type { ApiKind, CompletionRecord } from "../events/types.js";
import { emptyLoadProfile, type LoadProfile, observeLoad } from "./load-model.js";
import type { ModelSpeed, SpeedReader } from "./types.js";

/** EMA smoothing factor for every speed signal; the first sample is taken as is. */
export const EMA_ALPHA = 0.2;

export interface TpsEntry extends ModelSpeed {
  endpointId: string;
  /** The endpoint's own model id. */
  model: string;
  apiKind: ApiKind;
}

export interface TpsTracker extends SpeedReader {
  /**
   * Takes one completion. Only successful requests count; tps moves only when output_tokens > 0.
   * Returns the entry after the update, or undefined when the record did not touch the tracker.
   */
  observe(record: CompletionRecord): TpsEntry | undefined;
  /** All entries, or one endpoint's, in insertion order. */
  entries(endpointId?: string): TpsEntry[];
  /** Replaces the state of the given keys (boot-time restore); other keys are left alone. */
  restore(entries: TpsEntry[]): void;
  /** Forgets an endpoint (it was deleted). */
  forget(endpointId: string): void;
  /**
   * What the server says is loaded (Ollama /api/ps): every learned profile of the endpoint is marked
   * loaded or not by whether its model is in `models`.
   */
  setLoaded(endpointId: string, models: ReadonlySet<string>): void;
}

export function ema(previous: number | null, sample: number): number {
  return previous === null ? sample : previous + EMA_ALPHA * (sample - previous);
}

/** The identity of one tracked (endpoint, model, api kind). */
export const tpsKey = (endpointId: string, model: string, apiKind: string) =>
  `${endpointId}\u0000${model}\u0000${apiKind}`;

/** An entry with nothing measured yet. */
export function emptyTpsEntry(endpointId: string, model: string, apiKind: ApiKind): TpsEntry {
  return {
    endpointId,
    model,
    apiKind,
    tps: null,
    ttftMs: null,
    decodeTps: null,
    requestCount: 0,
    totalOutputTokens: 0,
    totalDurationMs: 0,
  };
}

/** One tracked key's state, as the router reads it (stable objects: updated in place). */
interface Slot {
  speed: TpsEntry;
  load: (LoadProfile & { endpointId: string; model: string }) | undefined;
}

export function createTpsTracker(): TpsTracker {
  /** Insertion order (entries()); `index` finds a slot without building a key (the router's hot path). */
  const state = new Map<string, Slot>();
  const index = new Map<string, Map<string, Map<ApiKind, Slot>>>();
  /** Output tokens per successful request, EMA, by the model name clients ask for. */
  const outputs = new Map<string, number>();

  const slotOf = (endpointId: string, model: string, apiKind: ApiKind) =>
    index.get(endpointId)?.get(model)?.get(apiKind);
  const ensureSlot = (entry: TpsEntry): Slot => {
    const { endpointId, model, apiKind } = entry;
    let slot = slotOf(endpointId, model, apiKind);
    if (slot) return slot;
    slot = { speed: entry, load: undefined };
    state.set(tpsKey(endpointId, model, apiKind), slot);
    const models = index.get(endpointId) ?? new Map<string, Map<ApiKind, Slot>>();
    index.set(endpointId, models);
    const kinds = models.get(model) ?? new Map<ApiKind, Slot>();
    models.set(model, kinds);
    kinds.set(apiKind, slot);
    return slot;
  };

  const learn = (slot: Slot, record: CompletionRecord) => {
    slot.load ??= { ...emptyLoadProfile(), endpointId: slot.speed.endpointId, model: slot.speed.model };
    observeLoad(slot.load, {
      finishedAt: record.finished_at,
      durationMs: record.duration_ms,
      ttftMs: record.ttft_ms,
      inputTokens: record.input_tokens,
      outputTokens: record.output_tokens,
      stream: record.stream,
      concurrency: record.concurrency ?? 1,
    });
    if (record.output_tokens > 0)
      outputs.set(record.model, ema(outputs.get(record.model) ?? null, record.output_tokens));
  };

  return {
    observe(record) {
      if (record.endpoint_id === null || record.status !== "success") return undefined;
      const model = record.endpoint_model ?? record.model;
      const slot =
        slotOf(record.endpoint_id, model, record.api_kind) ??
        ensureSlot(emptyTpsEntry(record.endpoint_id, model, record.api_kind));
      const entry = slot.speed;
      entry.requestCount += 1;
      entry.totalOutputTokens += record.output_tokens;
      entry.totalDurationMs += record.duration_ms;
      if (record.output_tokens > 0 && record.duration_ms > 0) {
        // tps: output tokens / whole-request seconds (a stream: the whole stream).
        entry.tps = ema(entry.tps, record.output_tokens / (record.duration_ms / 1000));
      }
      if (record.ttft_ms !== null) entry.ttftMs = ema(entry.ttftMs, record.ttft_ms);
      const decodeMs = record.ttft_ms === null ? 0 : record.duration_ms - record.ttft_ms;
      if (record.stream && record.output_tokens > 1 && decodeMs > 0) {
        // decode tps: tokens after the first / seconds after the first byte (streams only: a
        // non-streamed body arrives all at once, so it has no decode phase to measure).
        entry.decodeTps = ema(entry.decodeTps, (record.output_tokens - 1) / (decodeMs / 1000));
      }
      if (record.concurrency !== undefined && record.concurrency !== null) learn(slot, record);
      return { ...entry };
    },
    measuredOf: slotOf,
    speedOf(endpointId, model, apiKind) {
      return slotOf(endpointId, model, apiKind)?.speed;
    },
    loadOf(endpointId, model, apiKind) {
      return slotOf(endpointId, model, apiKind)?.load;
    },
    typicalOutputTokens(model) {
      return outputs.get(model) ?? null;
    },
    setLoaded(endpointId, models) {
      for (const kinds of index.get(endpointId)?.values() ?? []) {
        for (const slot of kinds.values()) if (slot.load) slot.load.loaded = models.has(slot.load.model);
      }
    },
    entries(endpointId) {
      const all = [...state.values()].map((slot) => slot.speed);
      return (endpointId === undefined ? all : all.filter((entry) => entry.endpointId === endpointId)).map(
        (entry) => ({ ...entry }),
      );
    },
    restore(entries) {
      for (const entry of entries) ensureSlot(entry).speed = { ...entry };
    },
    forget(endpointId) {
      for (const [key, slot] of state) if (slot.speed.endpointId === endpointId) state.delete(key);
      index.delete(endpointId);
    },
  };
}
