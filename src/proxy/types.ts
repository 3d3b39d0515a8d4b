// Owns the contract through which the proxy exposes its live load (dashboard, metrics, router).

export interface LiveLoad {
  /** Requests in flight on one endpoint: a stream counts until its last byte or abort. */
  inFlight(endpointId: string): number;
  /** Requests in flight across all endpoints. */
  totalInFlight(): number;
  /** Requests waiting in the per-model queues. */
  queued(): number;
}
