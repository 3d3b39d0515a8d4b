// Owns the in-memory view of API keys by hash on the hot path: a found key is trusted for FOUND_TTL_MS, an
// unknown (or refused) one remembered for MISSING_TTL_MS, at most MAX_CACHED entries (oldest dropped first).
import type { Clock } from "../clock.js";
import type { ApiKeyRecord } from "./api-key-queries.js";

/**
 * A key found in the database is trusted from memory this long (ms): deletions, limit changes and owner
 * changes made on another instance take effect here within it.
 */
export const FOUND_TTL_MS = 30_000;
/** An unknown hash is remembered this long (ms), so repeated bad keys do not query the database each time. */
const MISSING_TTL_MS = 5_000;
const MAX_CACHED = 10_000;

export interface CacheEntry {
  record: ApiKeyRecord | null;
  /** false while the owner is disabled (or gone): the key is known but refused. */
  usable: boolean;
  /** Epoch ms when read from the database. */
  fetchedAt: number;
}

export interface KeyCache {
  /** The entry for `hash` while it is fresh; undefined when absent or stale. */
  fresh(hash: string): CacheEntry | undefined;
  /** The entry for `hash`, however old (the fallback while the database is away). */
  any(hash: string): CacheEntry | undefined;
  remember(hash: string, record: ApiKeyRecord | null, usable?: boolean): void;
  /** Drops every cached key `matches` accepts (deleted, changed, or its owner changed). */
  forget(matches: (record: ApiKeyRecord) => boolean): void;
}

export function createKeyCache(clock: Clock): KeyCache {
  const cache = new Map<string, CacheEntry>();
  return {
    fresh(hash) {
      const entry = cache.get(hash);
      if (!entry) return undefined;
      return clock.now() - entry.fetchedAt < (entry.usable ? FOUND_TTL_MS : MISSING_TTL_MS)
        ? entry
        : undefined;
    },
    any: (hash) => cache.get(hash),
    remember(hash, record, usable = record !== null) {
      cache.delete(hash);
      cache.set(hash, { record, usable, fetchedAt: clock.now() });
      for (const oldest of cache.keys()) {
        if (cache.size <= MAX_CACHED) break;
        cache.delete(oldest);
      }
    },
    forget(matches) {
      for (const [hash, entry] of cache) if (entry.record && matches(entry.record)) cache.delete(hash);
    },
  };
}
