// Owns the per-endpoint circuit breaker: consecutive live failures open it for a cooldown, then one
// half-open trial decides. Pure: every call takes `now` (monotonic ms).

export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitOptions {
  /** Consecutive live failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses traffic before admitting one trial, ms. */
  cooldownMs: number;
}

/** Read side, for the endpoint JSON (`circuit_state`), the dashboard and metrics. */
export interface CircuitReader {
  circuitState(endpointId: string): CircuitState;
}

export interface CircuitBreakers {
  stateOf(endpointId: string, now: number): CircuitState;
  /** true when a request may be sent now: closed, or half-open with its trial not yet taken. */
  admits(endpointId: string, now: number): boolean;
  /** A request was sent; in half-open this takes the single trial. */
  onDispatch(endpointId: string, now: number): void;
  onSuccess(endpointId: string): void;
  /** Connection error, timeout or 5xx — never an upstream 4xx or a client abort. */
  onFailure(endpointId: string, now: number): void;
  /** The attempt ended without saying anything about the endpoint (client went away): frees the trial. */
  onNeutral(endpointId: string): void;
  forget(endpointId: string): void;
}

interface Circuit {
  failures: number;
  /** Monotonic ms when the open period ends; null while closed. */
  openUntil: number | null;
  trialInFlight: boolean;
}

export function createCircuitBreakers(options: CircuitOptions): CircuitBreakers {
  const circuits = new Map<string, Circuit>();

  const stateOf = (endpointId: string, now: number): CircuitState => {
    const circuit = circuits.get(endpointId);
    if (!circuit || circuit.openUntil === null) return "closed";
    return now < circuit.openUntil ? "open" : "half_open";
  };

  return {
    stateOf,
    admits(endpointId, now) {
      const state = stateOf(endpointId, now);
      if (state === "closed") return true;
      return state === "half_open" && !circuits.get(endpointId)?.trialInFlight;
    },
    onDispatch(endpointId, now) {
      if (stateOf(endpointId, now) !== "half_open") return;
      const circuit = circuits.get(endpointId);
      if (circuit) circuit.trialInFlight = true;
    },
    onSuccess(endpointId) {
      circuits.delete(endpointId);
    },
    onFailure(endpointId, now) {
      let circuit = circuits.get(endpointId);
      if (!circuit) {
        circuit = { failures: 0, openUntil: null, trialInFlight: false };
        circuits.set(endpointId, circuit);
      }
      circuit.failures += 1;
      const failedTrial = circuit.trialInFlight || (circuit.openUntil !== null && now >= circuit.openUntil);
      circuit.trialInFlight = false;
      if (failedTrial || circuit.failures >= options.failureThreshold) {
        circuit.openUntil = now + options.cooldownMs;
      }
    },
    onNeutral(endpointId) {
      const circuit = circuits.get(endpointId);
      if (circuit) circuit.trialInFlight = false;
    },
    forget(endpointId) {
      circuits.delete(endpointId);
    },
  };
}
