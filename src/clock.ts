// Owns the time and chance ports every layer is given (never read directly below the entries): the
// wall/monotonic clock, the random source and one-shot timers. A leaf: imports nothing.

export interface Clock {
  /** Wall clock, epoch ms. */
  now(): number;
  /** Monotonic ms for measuring durations (never goes backwards). */
  monotonic(): number;
}

/** A number in [0, 1), like Math.random (routing ties, jitter). */
export type Random = () => number;

/** One-shot timers, started by whoever holds the port (built in the composition root). */
export interface Timers {
  /**
   * Runs `run` once after `ms`; returns a function that cancels it. `background`: the timer alone does not
   * keep the process alive (Node/Bun unref).
   */
  after(ms: number, run: () => void, options?: { background?: boolean }): () => void;
}
