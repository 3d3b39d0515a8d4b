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

export function createTpsTracker(): TpsTracker {
  const state = new Map<string, TpsEntry>();
  const profiles = new Map<string, LoadProfile & { endpointId: string; model: string }>();
  /** Output tokens per successful request, EMA, by the model name clients ask for. */
  const outputs = new Map<string, number>();

  const learn = (key: string, record: CompletionRecord, model: string) => {
    const endpointId = record.endpoint_id as string;
    let profile = profiles.get(key);
    if (!profile) {
      profile = { ...emptyLoadProfile(), endpointId, model };
      profiles.set(key, profile);
    }
    observeLoad(profile, {
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
      const key = tpsKey(record.endpoint_id, model, record.api_kind);
      let entry = state.get(key);
      if (!entry) {
        entry = emptyTpsEntry(record.endpoint_id, model, record.api_kind);
        state.set(key, entry);
      }
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
      if (record.concurrency !== undefined && record.concurrency !== null) learn(key, record, model);
      return { ...entry };
    },
    loadOf(endpointId, model, apiKind) {
      return profiles.get(tpsKey(endpointId, model, apiKind));
    },
    typicalOutputTokens(model) {
      return outputs.get(model) ?? null;
    },
    setLoaded(endpointId, models) {
      for (const profile of profiles.values()) {
        if (profile.endpointId === endpointId) profile.loaded = models.has(profile.model);
      }
    },
    speedOf(endpointId, model, apiKind) {
      return state.get(tpsKey(endpointId, model, apiKind));
    },
    entries(endpointId) {
      const all = [...state.values()];
      return (endpointId === undefined ? all : all.filter((entry) => entry.endpointId === endpointId)).map(
        (entry) => ({ ...entry }),
      );
    },
    restore(entries) {
      for (const entry of entries)
        state.set(tpsKey(entry.endpointId, entry.model, entry.apiKind), { ...entry });
    },
    forget(endpointId) {
      for (const [key, entry] of state) if (entry.endpointId === endpointId) state.delete(key);
      for (const [key, profile] of profiles) if (profile.endpointId === endpointId) profiles.delete(key);
    },
  };
}
