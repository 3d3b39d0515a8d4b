// Owns API keys: creation (shown once, stored as SHA-256), listing, updates, deletion, and the hot-path check —
// an in-memory cache by hash (TTL bounded, dropped on delete/update/owner change) plus write-behind `last_used_at`.
import { eq } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { DatabaseHandle } from "../db/client.js";
import { apiKeys } from "../db/schema.js";
import { AppError } from "../errors.js";
import { utcDate } from "../stats/pending-writes.js";
import { createKeyCache, type KeyCache } from "./api-key-cache.js";
import {
  type ApiKeyListing,
  type ApiKeyPatch,
  type ApiKeyRecord,
  type NewApiKey,
  newKeyRow,
  restrictPermissions,
  selectKey,
  selectKeyByHash,
  selectListing,
  toRecord,
  updateKey,
  writeLastUsed,
} from "./api-key-queries.js";
import type { Permission } from "./principal.js";
import { randomToken, tokenHash } from "./tokens.js";

export const API_KEY_PREFIX = "sk_";
/** Characters of the key kept for display: `sk_` plus 8. */
const DISPLAY_PREFIX_LENGTH = 11;

export type { ApiKeyListing, ApiKeyPatch, ApiKeyRecord, KeyLimits, NewApiKey } from "./api-key-queries.js";

export interface ApiKeyStore {
  /** Returns the record and the full key; the key exists nowhere else afterwards. */
  create(input: NewApiKey): Promise<{ record: ApiKeyRecord; key: string }>;
  /** Every key, one user's keys, or one key; newest first. */
  list(filter?: { userId?: string; keyId?: string }): Promise<ApiKeyListing[]>;
  get(id: string): Promise<ApiKeyRecord | null>;
  /** Drops every permission outside `allowed` from the user's keys (after a demotion). */
  restrictUser(userId: string, allowed: readonly Permission[]): Promise<void>;
  /** The updated key, or null when no key has this id; this instance sees the change at once. */
  update(id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | null>;
  /** false when no key has this id. The key stops working on this instance at once. */
  remove(id: string): Promise<boolean>;
  /** Deletes every key the user owns (their account is being deleted); returns how many. */
  removeByUser(userId: string): Promise<number>;
  /** Forgets cached keys of this user so the next use re-reads the owner (disabled, deleted). */
  forgetUser(userId: string): void;
  /** The live (known, unexpired) key for a presented secret, marking it used; null otherwise. */
  authenticate(presented: string): Promise<ApiKeyRecord | null>;
  /** Writes buffered last-used times to the database. */
  flushLastUsed(): Promise<void>;
}

/** The usable key for `hash`: from memory while fresh, else from the database (then remembered). */
async function loadKey(
  database: DatabaseHandle,
  cache: KeyCache,
  hash: string,
): Promise<ApiKeyRecord | null> {
  const fresh = cache.fresh(hash);
  if (fresh) return fresh.usable ? fresh.record : null;
  try {
    const found = await selectKeyByHash(database.db, hash);
    cache.remember(hash, found?.record ?? null, found?.usable ?? false);
    return found?.usable ? found.record : null;
  } catch (error) {
    // Database away: a key seen before keeps working from memory; an unseen one cannot be checked.
    const cached = cache.any(hash);
    if (cached?.usable) return cached.record;
    throw new AppError("unavailable", "Cannot verify credentials: the database is unavailable", {
      code: "database_unavailable",
      cause: error,
    });
  }
}

export function createApiKeyStore(options: { database: DatabaseHandle; clock: Clock }): ApiKeyStore {
  const { database, clock } = options;
  const cache = createKeyCache(clock);
  /** key id → latest use (epoch ms) not yet written. */
  const pendingUse = new Map<string, number>();
  const forget = cache.forget;

  const load = (hash: string) => loadKey(database, cache, hash);

  return {
    async create(input) {
      const key = `${API_KEY_PREFIX}${randomToken(32)}`;
      const row = newKeyRow(input, key, key.slice(0, DISPLAY_PREFIX_LENGTH), clock.now());
      await database.db.insert(apiKeys).values(row);
      const record = toRecord(row);
      cache.remember(row.keyHash, record);
      return { record, key };
    },
    async list(filter) {
      const listing = await selectListing(database.db, utcDate(clock.now()), filter);
      for (const record of listing) {
        const pending = pendingUse.get(record.id);
        if (pending !== undefined && pending > (record.lastUsedAt ?? 0)) record.lastUsedAt = pending;
      }
      return listing;
    },
    get: (id) => selectKey(database.db, id),
    async update(id, patch) {
      const record = await updateKey(database.db, id, patch);
      forget((cached) => cached.id === id);
      return record;
    },
    async remove(id) {
      const deleted = await database.db
        .delete(apiKeys)
        .where(eq(apiKeys.id, id))
        .returning({ id: apiKeys.id });
      forget((record) => record.id === id);
      pendingUse.delete(id);
      return deleted.length > 0;
    },
    async removeByUser(userId) {
      const deleted = await database.db
        .delete(apiKeys)
        .where(eq(apiKeys.userId, userId))
        .returning({ id: apiKeys.id });
      forget((record) => record.userId === userId);
      for (const { id } of deleted) pendingUse.delete(id);
      return deleted.length;
    },
    async restrictUser(userId, allowed) {
      await restrictPermissions(database.db, userId, allowed);
      forget((record) => record.userId === userId);
    },
    forgetUser(userId) {
      forget((record) => record.userId === userId);
    },
    async authenticate(presented) {
      const record = await load(tokenHash(presented));
      const now = clock.now();
      if (!record || (record.expiresAt !== null && record.expiresAt <= now)) return null;
      pendingUse.set(record.id, now);
      return record;
    },
    async flushLastUsed() {
      if (pendingUse.size === 0) return;
      const batch = [...pendingUse];
      pendingUse.clear();
      try {
        await writeLastUsed(database.db, batch);
      } catch (error) {
        // Put the times back (unless newer ones arrived) so the next flush retries them.
        for (const [id, at] of batch) if ((pendingUse.get(id) ?? 0) < at) pendingUse.set(id, at);
        throw error;
      }
    },
  };
}
