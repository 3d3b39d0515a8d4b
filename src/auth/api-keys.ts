// Owns API keys: creation (shown once, stored as SHA-256), listing, deletion, and the hot-path check —
// an in-memory cache by hash (TTL bounded, dropped on delete) plus write-behind `last_used_at`.
import { desc, eq, sql } from "drizzle-orm";
import type { Priority } from "../balancer/fair-queue.js";
import type { Clock } from "../clock.js";
import type { DatabaseHandle } from "../db/client.js";
import { apiKeys } from "../db/schema.js";
import { AppError } from "../errors.js";
import { PERMISSIONS, type Permission } from "./principal.js";
import { randomToken, tokenHash } from "./tokens.js";

export const API_KEY_PREFIX = "sk_";
/** Characters of the key kept for display: `sk_` plus 8. */
const DISPLAY_PREFIX_LENGTH = 11;
/** A key found in the database is trusted from memory this long (ms); deletions elsewhere take ≤ this. */
const FOUND_TTL_MS = 30_000;
/** An unknown hash is remembered this long (ms), so repeated bad keys do not query the database each time. */
const MISSING_TTL_MS = 5_000;
const MAX_CACHED = 10_000;

export interface ApiKeyRecord {
  id: string;
  name: string;
  keyPrefix: string;
  permissions: Permission[];
  createdBy: string | null;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  /** Queue order of its requests when endpoints are saturated. */
  priority: Priority;
}

export interface NewApiKey {
  name: string;
  permissions: Permission[];
  expiresAt: number | null;
  createdBy: string | null;
  priority: Priority;
}

export interface ApiKeyStore {
  /** Returns the record and the full key; the key exists nowhere else afterwards. */
  create(input: NewApiKey): Promise<{ record: ApiKeyRecord; key: string }>;
  list(): Promise<ApiKeyRecord[]>;
  /** false when no key has this id. The key stops working on this instance at once. */
  remove(id: string): Promise<boolean>;
  /** null when no key has this id. Applies on this instance at once, on others within the cache TTL. */
  setPriority(id: string, priority: Priority): Promise<ApiKeyRecord | null>;
  /** The live (known, unexpired) key for a presented secret, marking it used; null otherwise. */
  authenticate(presented: string): Promise<ApiKeyRecord | null>;
  /** Writes buffered last-used times to the database. */
  flushLastUsed(): Promise<void>;
}

const KNOWN = new Set<string>(PERMISSIONS);

function toRecord(row: typeof apiKeys.$inferSelect): ApiKeyRecord {
  let permissions: Permission[] = [];
  try {
    const parsed: unknown = JSON.parse(row.permissions);
    if (Array.isArray(parsed)) permissions = parsed.filter((p): p is Permission => KNOWN.has(p));
  } catch {
    // A malformed permissions column grants nothing.
  }
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.keyPrefix,
    permissions,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    priority: row.priority === "batch" ? "batch" : "interactive",
  };
}

interface CacheEntry {
  record: ApiKeyRecord | null;
  /** Epoch ms when read from the database. */
  fetchedAt: number;
}

/** Stores a key's priority and applies it to the cached record (this instance at once). */
async function setPriority(
  database: DatabaseHandle,
  cache: Map<string, CacheEntry>,
  id: string,
  priority: Priority,
): Promise<ApiKeyRecord | null> {
  const rows = await database.db.update(apiKeys).set({ priority }).where(eq(apiKeys.id, id)).returning();
  if (!rows[0]) return null;
  for (const entry of cache.values()) if (entry.record?.id === id) entry.record.priority = priority;
  return toRecord(rows[0]);
}

export function createApiKeyStore(options: { database: DatabaseHandle; clock: Clock }): ApiKeyStore {
  const { database, clock } = options;
  const cache = new Map<string, CacheEntry>();
  /** key id → latest use (epoch ms) not yet written. */
  const pendingUse = new Map<string, number>();

  const remember = (hash: string, record: ApiKeyRecord | null) => {
    cache.delete(hash);
    cache.set(hash, { record, fetchedAt: clock.now() });
    for (const oldest of cache.keys()) {
      if (cache.size <= MAX_CACHED) break;
      cache.delete(oldest);
    }
  };

  const load = async (hash: string): Promise<ApiKeyRecord | null> => {
    const cached = cache.get(hash);
    const age = cached ? clock.now() - cached.fetchedAt : Number.POSITIVE_INFINITY;
    if (cached && age < (cached.record ? FOUND_TTL_MS : MISSING_TTL_MS)) return cached.record;
    try {
      const rows = await database.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hash)).limit(1);
      const record = rows[0] ? toRecord(rows[0]) : null;
      remember(hash, record);
      return record;
    } catch (error) {
      // Database away: a key seen before keeps working from memory; an unseen one cannot be checked.
      if (cached?.record) return cached.record;
      throw new AppError("unavailable", "Cannot verify credentials: the database is unavailable", {
        code: "database_unavailable",
        cause: error,
      });
    }
  };

  return {
    async create(input) {
      const key = `${API_KEY_PREFIX}${randomToken(32)}`;
      const hash = tokenHash(key);
      const row = {
        id: crypto.randomUUID(),
        name: input.name,
        keyHash: hash,
        keyPrefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
        permissions: JSON.stringify(input.permissions),
        createdBy: input.createdBy,
        createdAt: clock.now(),
        expiresAt: input.expiresAt,
        lastUsedAt: null,
        priority: input.priority,
      };
      await database.db.insert(apiKeys).values(row);
      const record = toRecord(row);
      remember(hash, record);
      return { record, key };
    },
    async list() {
      const rows = await database.db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt));
      return rows.map((row) => {
        const record = toRecord(row);
        const pending = pendingUse.get(record.id);
        if (pending !== undefined && pending > (record.lastUsedAt ?? 0)) record.lastUsedAt = pending;
        return record;
      });
    },
    async remove(id) {
      const deleted = await database.db
        .delete(apiKeys)
        .where(eq(apiKeys.id, id))
        .returning({ id: apiKeys.id });
      for (const [hash, entry] of cache) if (entry.record?.id === id) cache.delete(hash);
      pendingUse.delete(id);
      return deleted.length > 0;
    },
    setPriority: (id, priority) => setPriority(database, cache, id, priority),
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
      const [first, ...rest] = batch.map(([id, at]) =>
        database.db
          .update(apiKeys)
          .set({ lastUsedAt: sql`max(coalesce(${apiKeys.lastUsedAt}, 0), ${at})` })
          .where(eq(apiKeys.id, id)),
      );
      if (!first) return;
      try {
        await database.db.batch([first, ...rest]);
      } catch (error) {
        // Put the times back (unless newer ones arrived) so the next flush retries them.
        for (const [id, at] of batch) if ((pendingUse.get(id) ?? 0) < at) pendingUse.set(id, at);
        throw error;
      }
    },
  };
}
