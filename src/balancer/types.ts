// Owns the contract between the TPS tracker (measurements) and the router (which reads them).
import type { ApiKind } from "../events/types.js";
import type { LoadProfile } from "./load-model.js";

/** Measured speed of one (endpoint, model, api_kind); nulls until measured. */
export interface ModelSpeed {
  /** Output tokens / whole-request seconds, EMA α=0.2. */
  tps: number | null;
  /** Time to first byte, ms, EMA α=0.2. */
  ttftMs: number | null;
  /** Tokens after the first / seconds after the first byte, EMA α=0.2. */
  decodeTps: number | null;
  requestCount: number;
  totalOutputTokens: number;
  totalDurationMs: number;
}

export interface SpeedReader {
  /** Both at once, without building a key (the router's hot path); undefined until measured. */
  measuredOf(
    endpointId: string,
    model: string,
    apiKind: ApiKind,
  ): { speed: ModelSpeed; load: LoadProfile | undefined } | undefined;
  /** model is the endpoint's own model id. */
  speedOf(endpointId: string, model: string, apiKind: ApiKind): ModelSpeed | undefined;
  /** What was learned about the endpoint × model under load; undefined before any concurrency-tagged request. */
  loadOf(endpointId: string, model: string, apiKind: ApiKind): LoadProfile | undefined;
  /** Output tokens of a typical successful request for the model clients name; null until one finished. */
  typicalOutputTokens(model: string): number | null;
}
