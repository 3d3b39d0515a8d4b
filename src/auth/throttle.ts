// Owns login abuse limits, in memory per process: failures counted per key (username, client IP) in a
// window; `maxFailures` inside one window locks the key for `windowMs`, even for the right password.

export interface LoginThrottle {
  /** Whole seconds until every key may try again; 0 when none is locked. */
  retryAfterSecs(keys: readonly string[]): number;
  recordFailure(keys: readonly string[]): void;
  /** Forgets the failures of `key` (the username after a successful login; never the IP). */
  reset(key: string): void;
}

export interface LoginThrottleOptions {
  now: () => number;
  /** Failure window and lockout length, ms. */
  windowMs: number;
  maxFailures: number;
  /** Bound on tracked keys; stale ones are dropped first. */
  maxTracked?: number;
}

interface Entry {
  failures: number;
  /** Epoch ms when the current failure window opened. */
  windowStart: number;
  /** Epoch ms; the key is refused before it. */
  lockedUntil: number;
}

export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const entries = new Map<string, Entry>();
  const maxTracked = options.maxTracked ?? 10_000;

  const prune = (now: number) => {
    for (const [key, entry] of entries) {
      if (entry.lockedUntil <= now && now - entry.windowStart > options.windowMs) entries.delete(key);
    }
    // Still full: drop the oldest-inserted keys.
    for (const key of entries.keys()) {
      if (entries.size <= maxTracked) break;
      entries.delete(key);
    }
  };

  return {
    retryAfterSecs(keys) {
      const now = options.now();
      let waitMs = 0;
      for (const key of keys) {
        const entry = entries.get(key);
        if (entry && entry.lockedUntil > now) waitMs = Math.max(waitMs, entry.lockedUntil - now);
      }
      return Math.ceil(waitMs / 1000);
    },
    recordFailure(keys) {
      const now = options.now();
      for (const key of keys) {
        let entry = entries.get(key);
        if (!entry || now - entry.windowStart > options.windowMs) {
          entry = { failures: 0, windowStart: now, lockedUntil: entry?.lockedUntil ?? 0 };
          entries.set(key, entry);
        }
        entry.failures += 1;
        if (entry.failures >= options.maxFailures) {
          entry.lockedUntil = now + options.windowMs;
          entry.failures = 0;
          entry.windowStart = now;
        }
      }
      if (entries.size > maxTracked) prune(now);
    },
    reset(key) {
      entries.delete(key);
    },
  };
}
