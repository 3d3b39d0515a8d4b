// Owns the api_keys table queries and record types: the key lookup by hash (with whether its owner is enabled),
// listings with owner and today's usage, partial updates, last-used writes. Times are epoch ms.
import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Priority } from "../balancer/fair-queue.js";
import type { AppDatabase } from "../db/client.js";
import { apiKeys, apiKeyUsage, users } from "../db/schema.js";
import { PERMISSIONS, type Permission } from "./principal.js";
import { tokenHash } from "./tokens.js";

const KNOWN = new Set<string>(PERMISSIONS);

export interface ApiKeyRecord {
  id: string;
  name: string;
  keyPrefix: string;
  permissions: Permission[];
  createdBy: string | null;
  /** The owning user (null for keys whose creator no longer resolves to a user). */
  userId: string | null;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  limits: KeyLimits;
  /** Queue order of its requests when endpoints are saturated. */
  priority: Priority;
}

export interface KeyLimits {
  /** Requests per UTC minute; null: unlimited. */
  rpm: number | null;
  /** Output tokens per UTC day; null: unlimited. */
  tokensDaily: number | null;
}

/** A key with its owner's name and today's usage, for the keys pages. */
export interface ApiKeyListing extends ApiKeyRecord {
  ownerName: string | null;
  /** Today (UTC) as recorded in the database (flushed within the usage sync interval). */
  usedToday: { requests: number; outputTokens: number };
}

export interface NewApiKey {
  name: string;
  permissions: Permission[];
  expiresAt: number | null;
  createdBy: string | null;
  userId: string | null;
  limits: KeyLimits;
  priority: Priority;
}

export interface ApiKeyPatch {
  name?: string;
  permissions?: Permission[];
  limits?: Partial<KeyLimits>;
  priority?: Priority;
}

export function toRecord(row: typeof apiKeys.$inferSelect): ApiKeyRecord {
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
    userId: row.userId,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    limits: { rpm: row.rateLimitRpm, tokensDaily: row.tokenLimitDaily },
    priority: row.priority === "batch" ? "batch" : "interactive",
  };
}

/** The row of a new key (`key` is hashed here; only the hash and the display prefix are stored). */
export function newKeyRow(input: NewApiKey, key: string, keyPrefix: string, now: number) {
  return {
    id: crypto.randomUUID(),
    name: input.name,
    keyHash: tokenHash(key),
    keyPrefix,
    permissions: JSON.stringify(input.permissions),
    createdBy: input.createdBy,
    userId: input.userId,
    createdAt: now,
    expiresAt: input.expiresAt,
    lastUsedAt: null,
    rateLimitRpm: input.limits.rpm,
    tokenLimitDaily: input.limits.tokensDaily,
    priority: input.priority,
  } satisfies typeof apiKeys.$inferInsert;
}

/** The key with this hash, and whether it may be used: its owner exists and is enabled (or it has none). */
export async function selectKeyByHash(
  db: AppDatabase,
  hash: string,
): Promise<{ record: ApiKeyRecord; usable: boolean } | null> {
  const rows = await db
    .select({ key: apiKeys, ownerDisabled: users.disabled, ownerId: users.id })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, hash))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  const usable = row.key.userId === null || (row.ownerId !== null && !row.ownerDisabled);
  return { record: toRecord(row.key), usable };
}

export async function selectKey(db: AppDatabase, id: string): Promise<ApiKeyRecord | null> {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Keys (all, one user's, or one) with the owner's name and the usage row of `today` (YYYY-MM-DD). */
export async function selectListing(
  db: AppDatabase,
  today: string,
  filter: { userId?: string; keyId?: string } = {},
): Promise<ApiKeyListing[]> {
  const where: SQL | undefined = and(
    filter.userId === undefined ? undefined : eq(apiKeys.userId, filter.userId),
    filter.keyId === undefined ? undefined : eq(apiKeys.id, filter.keyId),
  );
  const rows = await db
    .select({
      key: apiKeys,
      ownerName: users.username,
      requests: apiKeyUsage.requests,
      outputTokens: apiKeyUsage.outputTokens,
    })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(apiKeyUsage, and(eq(apiKeyUsage.keyId, apiKeys.id), eq(apiKeyUsage.window, today)))
    .where(where)
    .orderBy(desc(apiKeys.createdAt), apiKeys.id);
  return rows.map((row) => ({
    ...toRecord(row.key),
    ownerName: row.ownerName,
    usedToday: { requests: row.requests ?? 0, outputTokens: row.outputTokens ?? 0 },
  }));
}

export async function updateKey(
  db: AppDatabase,
  id: string,
  patch: ApiKeyPatch,
): Promise<ApiKeyRecord | null> {
  const set: Partial<typeof apiKeys.$inferInsert> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.permissions !== undefined) set.permissions = JSON.stringify(patch.permissions);
  if (patch.limits?.rpm !== undefined) set.rateLimitRpm = patch.limits.rpm;
  if (patch.limits?.tokensDaily !== undefined) set.tokenLimitDaily = patch.limits.tokensDaily;
  if (patch.priority !== undefined) set.priority = patch.priority;
  if (Object.keys(set).length === 0) return selectKey(db, id);
  const rows = await db.update(apiKeys).set(set).where(eq(apiKeys.id, id)).returning();
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Records each (key id → epoch ms) last use, never moving a newer stored time backwards; one transaction. */
export async function writeLastUsed(db: AppDatabase, uses: readonly [string, number][]): Promise<void> {
  const [first, ...rest] = uses.map(([id, at]) =>
    db
      .update(apiKeys)
      .set({ lastUsedAt: sql`max(coalesce(${apiKeys.lastUsedAt}, 0), ${at})` })
      .where(eq(apiKeys.id, id)),
  );
  if (first) await db.batch([first, ...rest]);
}

/** Drops every permission outside `allowed` from the keys `userId` owns. */
export async function restrictPermissions(
  db: AppDatabase,
  userId: string,
  allowed: readonly Permission[],
): Promise<void> {
  const keys = (await db.select().from(apiKeys).where(eq(apiKeys.userId, userId))).map(toRecord);
  for (const key of keys) {
    const kept = key.permissions.filter((permission) => allowed.includes(permission));
    if (kept.length !== key.permissions.length) await updateKey(db, key.id, { permissions: kept });
  }
}
