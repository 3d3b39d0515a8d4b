// Owns the header's live-connection indicator (reads the model's connection signal).
import { connection } from "../state/model.js";

const LABEL = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Disconnected",
} as const;

export function ConnectionIndicator() {
  const state = connection.value;
  return (
    <span class={`connection connection-${state}`} data-connection={state} title="Live updates over SSE">
      <span class="dot" aria-hidden="true" />
      {LABEL[state]}
    </span>
  );
}
