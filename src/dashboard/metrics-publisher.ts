// Owns MetricsUpdated: a compact overview snapshot published at most once per tick (the job runs every
// second) and only when it differs from the last one published.
import type { EventBus } from "../events/bus.js";
import type { MetricsSnapshot } from "../events/types.js";

export interface MetricsPublisher {
  /** Publishes the snapshot if it changed since the last publish; returns whether it published. */
  tick(): boolean;
}

/**
 * Comparing snapshots (rather than a flag set by bus traffic) also catches changes no event announces,
 * such as a request starting (active_requests) or joining a queue.
 */
export function createMetricsPublisher(bus: EventBus, snapshot: () => MetricsSnapshot): MetricsPublisher {
  let last: string | null = null;
  return {
    tick() {
      const current = snapshot();
      const key = JSON.stringify(current);
      if (key === last) return false;
      last = key;
      bus.publish({ type: "MetricsUpdated", data: current });
      return true;
    },
  };
}
