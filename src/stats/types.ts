// Owns the contract between the proxy (which produces completion records) and their consumers.
import type { CompletionRecord } from "../events/types.js";

export interface CompletionSink {
  /** Called once per finished request; must return at once (no I/O on the caller's path). */
  record(completion: CompletionRecord): void;
}
