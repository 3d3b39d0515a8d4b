// Owns how an endpoint's health reads at a glance: status colour, plus the circuit breaker when not closed.
import type { CircuitState, EndpointStatus } from "../api/types.js";

const CIRCUIT_LABEL: Record<CircuitState, string> = {
  closed: "circuit closed",
  open: "circuit open",
  half_open: "circuit half-open",
};

export function StatusBadge({ status, circuit }: { status: EndpointStatus; circuit?: CircuitState }) {
  return (
    <span class="status-cell">
      <span class={`badge badge-${status}`} data-status={status}>
        {status}
      </span>
      {circuit && circuit !== "closed" && (
        <span
          class={`badge badge-circuit-${circuit}`}
          title="Recent proxy failures opened the circuit breaker"
        >
          {CIRCUIT_LABEL[circuit]}
        </span>
      )}
    </span>
  );
}
