// Owns the one implementation of the Timers port on the host's setTimeout (Node, Bun, Workers); built by
// the composition root and handed to services, which never start timers themselves.
import type { Timers } from "../clock.js";

export const systemTimers: Timers = {
  after(ms, run, options) {
    const timer = setTimeout(run, ms);
    if (options?.background) (timer as { unref?: () => void }).unref?.();
    return () => clearTimeout(timer);
  },
};
