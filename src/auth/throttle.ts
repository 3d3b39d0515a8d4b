// Owns login abuse limits, in memory per process. Each (username, client address) pair gets `freeFailures`
// failures, then an exponential backoff (1 s, 2 s, 4 s, … capped at `windowMs`) — so an attacker slows only
// himself. Looser ceilings per username and per client address (`ceiling` failures inside `windowMs`) lock
// that username / address for `windowMs`, stopping attacks spread over many addresses or usernames. An
// attempt is counted before the password is checked, so parallel requests cannot outrun a limit.

export interface LoginThrottleOptions {
  now: () => number;
  /** Failure window, backoff cap and ceiling lockout, ms. */
  windowMs: number;
  /** Failures per (username, address) before the backoff starts. */
  freeFailures: number;
  /** Failures per username, and per address, inside the window before it is locked. */
  ceiling: number;
  /** First backoff step, ms (doubles per further failure). */
  backoffBaseMs?: number;
  /** Bound on tracked keys; idle ones are dropped first. */
  maxTracked?: number;
}

/** An attempt that was let through and counted; exactly one of its methods is called. */
export interface LoginAttempt {
  /** A wrong password: counted; returns the seconds the caller must now wait (0: none). */
  fail(): number;
  /** The right password: returns 0 when a session may be issued, else the seconds to wait (a limit hit meanwhile). */
  succeed(): number;
  /** Neither (e.g. the database failed): the attempt is not counted. */
  cancel(): void;
}

export type Admission = { admitted: false; retryAfterSecs: number } | ({ admitted: true } & LoginAttempt);

export interface LoginThrottle {
  begin(username: string, clientAddress: string | null): Admission;
}

interface Entry {
  failures: number;
  /** Attempts admitted and not yet decided. */
  inFlight: number;
  /** Epoch ms when a ceiling's window opened. */
  windowStart: number;
  /** Epoch ms of a pair's latest failure; a pair idle for a window is forgotten. */
  lastFailure: number;
  /** Epoch ms; refused before it. */
  lockedUntil: number;
}

type Kind = "pair" | "ceiling";

export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const entries = new Map<string, Entry>();
  const maxTracked = options.maxTracked ?? 10_000;
  const base = options.backoffBaseMs ?? 1000;

  /** The key's entry; a stale one starts over (a pair idle for a window, a ceiling's window over). */
  const entryOf = (kind: Kind, key: string, now: number): Entry => {
    let entry = entries.get(key);
    if (entry && entry.inFlight === 0 && entry.lockedUntil <= now) {
      const since = kind === "pair" ? entry.lastFailure : entry.windowStart;
      if (now - since > options.windowMs) {
        entries.delete(key);
        entry = undefined;
      }
    }
    if (!entry) {
      entry = { failures: 0, inFlight: 0, windowStart: now, lastFailure: now, lockedUntil: 0 };
      entries.set(key, entry);
      if (entries.size > maxTracked) prune(now);
    }
    return entry;
  };

  const prune = (now: number) => {
    for (const [key, entry] of entries) {
      if (entries.size <= maxTracked) return;
      if (entry.inFlight === 0 && entry.lockedUntil <= now) entries.delete(key);
    }
  };

  /** May one more attempt start on this key now? (Counting those already in flight as failures.) */
  const room = (kind: Kind, entry: Entry): boolean =>
    kind === "pair"
      ? entry.inFlight === 0 || entry.failures + entry.inFlight < options.freeFailures
      : entry.failures + entry.inFlight < options.ceiling;

  const recordFailure = (kind: Kind, entry: Entry, now: number) => {
    entry.failures += 1;
    entry.lastFailure = now;
    if (kind === "pair" && entry.failures >= options.freeFailures) {
      const doublings = Math.min(entry.failures - options.freeFailures, 30);
      entry.lockedUntil = now + Math.min(options.windowMs, base * 2 ** doublings);
    } else if (kind === "ceiling" && entry.failures >= options.ceiling) {
      entry.lockedUntil = now + options.windowMs;
      // The lockout is the penalty; a fresh window opens when it ends.
      entry.failures = 0;
      entry.windowStart = entry.lockedUntil;
    }
  };

  const waitSecs = (keyed: [Kind, string, Entry][], now: number) =>
    Math.ceil(Math.max(0, ...keyed.map(([, , entry]) => entry.lockedUntil - now)) / 1000);

  return {
    begin(username, clientAddress) {
      const now = options.now();
      const user = username.toLowerCase();
      const address = clientAddress ?? "unknown";
      const keyed: [Kind, string, Entry][] = (
        [
          ["pair", `pair:${address}\n${user}`],
          ["ceiling", `user:${user}`],
          ["ceiling", `ip:${address}`],
        ] as [Kind, string][]
      ).map(([kind, key]) => [kind, key, entryOf(kind, key, now)]);
      const locked = waitSecs(keyed, now);
      if (locked > 0) return { admitted: false, retryAfterSecs: locked };
      // Full with attempts still being checked: their outcome decides; ask again in a second.
      if (!keyed.every(([kind, , entry]) => room(kind, entry))) return { admitted: false, retryAfterSecs: 1 };
      for (const [, , entry] of keyed) entry.inFlight += 1;
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        for (const [, , entry] of keyed) entry.inFlight -= 1;
        return true;
      };
      return {
        admitted: true,
        fail() {
          if (!settle()) return 0;
          const at = options.now();
          for (const [kind, , entry] of keyed) recordFailure(kind, entry, at);
          return waitSecs(keyed, at);
        },
        succeed() {
          if (!settle()) return 0;
          // Defensive: reservations already keep limits from being reached while this attempt ran.
          const wait = waitSecs(keyed, options.now());
          if (wait === 0) entries.delete(keyed[0]?.[1] ?? "");
          return wait;
        },
        cancel() {
          settle();
        },
      };
    },
  };
}
