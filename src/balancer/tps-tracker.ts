// Owns the in-memory speed measurements per (endpoint, model, api_kind): TPS, TTFT and decode-TPS EMAs
// and their totals. Pure: fed completion records, read by the router, the dashboard and the checkpoint.
import type { ApiKind, CompletionRecord } from "../events/types.js";
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
      return { ...entry };
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
    },
  };
}
