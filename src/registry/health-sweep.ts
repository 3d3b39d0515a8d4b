// Owns the health sweep: one round per call, probing concurrently every endpoint whose own interval has
// elapsed (a dead endpoint costs at most one probe timeout and never delays the others).
import type { Clock } from "../clock.js";
import type { EndpointRegistry } from "./registry.js";
import type { EndpointDirectory } from "./types.js";

export interface HealthSweep {
  /** Probes the endpoints that are due and waits for all of them. */
  run(): Promise<void>;
}

export interface HealthSweepOptions {
  registry: Pick<EndpointRegistry, "loaded" | "checkHealth" | "loadedModels">;
  directory: Pick<EndpointDirectory, "list">;
  clock: Clock;
  /** Boot work to retry while the registry could not load (e.g. the database was down). */
  whenUnloaded?: () => Promise<void>;
  /** Gets what each probed server reports loaded (Ollama /api/ps), for routing's cold-model estimate. */
  onLoaded?: (endpointId: string, models: ReadonlySet<string>) => void;
}

export function createHealthSweep(options: HealthSweepOptions): HealthSweep {
  const { registry, clock } = options;
  /** endpoint id → wall-clock ms the last probe started. */
  const lastProbe = new Map<string, number>();
  const inFlight = new Set<string>();

  const probe = async (id: string) => {
    inFlight.add(id);
    try {
      await registry.checkHealth(id);
      if (options.onLoaded) {
        const loaded = await registry.loadedModels(id);
        if (loaded) options.onLoaded(id, loaded);
      }
    } finally {
      inFlight.delete(id);
    }
  };

  return {
    async run() {
      // Still unloaded: probe what memory holds (declared endpoints served without a database).
      if (!registry.loaded) await options.whenUnloaded?.();
      const now = clock.now();
      const known = new Set<string>();
      const due: string[] = [];
      for (const endpoint of options.directory.list()) {
        known.add(endpoint.id);
        const last = lastProbe.get(endpoint.id);
        if (inFlight.has(endpoint.id)) continue;
        if (last !== undefined && now - last < endpoint.healthCheckIntervalSecs * 1000) continue;
        lastProbe.set(endpoint.id, now);
        due.push(endpoint.id);
      }
      for (const id of lastProbe.keys()) if (!known.has(id)) lastProbe.delete(id);
      await Promise.all(due.map(probe));
    },
  };
}
