// Owns the users table queries: lookups (usernames match case-insensitively), insertion (first writer wins),
// listing, and updates/deletes guarded so the last enabled admin can never be removed in one statement.
import { asc, count, eq, type SQL, sql } from "drizzle-orm";
import type { AppDatabase } from "../db/client.js";
import { users } from "../db/schema.js";
import type { Role, SessionUser } from "./principal.js";

export interface UserRow extends SessionUser {
  passwordHash: string;
  disabled: boolean;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

function toUser(row: typeof users.$inferSelect): UserRow {
  return {
    id: row.id,
    username: row.username,
    role: row.role === "admin" ? "admin" : "viewer",
    mustChangePassword: row.mustChangePassword,
    passwordHash: row.passwordHash,
    disabled: row.disabled,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastLoginAt: row.lastLoginAt,
  };
}

export async function findUserByUsername(db: AppDatabase, username: string): Promise<UserRow | null> {
  const rows = await db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${username})`)
    .limit(1);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function findUserById(db: AppDatabase, id: string): Promise<UserRow | null> {
  const rows = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function listUsers(db: AppDatabase): Promise<UserRow[]> {
  const rows = await db.select().from(users).orderBy(asc(users.createdAt), asc(users.id));
  return rows.map(toUser);
}

export async function countUsers(db: AppDatabase): Promise<number> {
  const rows = await db.select({ n: count() }).from(users);
  return rows[0]?.n ?? 0;
}

export interface NewUser {
  username: string;
  passwordHash: string;
  role: Role;
  mustChangePassword: boolean;
  /** Epoch ms. */
  now: number;
}

/** Inserts the user unless the username exists in any case; the new user, or null when it existed. */
export async function insertUserIfAbsent(db: AppDatabase, user: NewUser): Promise<UserRow | null> {
  const inserted = await db
    .insert(users)
    .values({
      id: crypto.randomUUID(),
      username: user.username,
      passwordHash: user.passwordHash,
      role: user.role,
      mustChangePassword: user.mustChangePassword,
      createdAt: user.now,
      updatedAt: user.now,
    })
    .onConflictDoNothing()
    .returning();
  return inserted[0] ? toUser(inserted[0]) : null;
}

export async function setUserPassword(db: AppDatabase, id: string, passwordHash: string, now: number) {
  await db
    .update(users)
    .set({ passwordHash, mustChangePassword: false, updatedAt: now })
    .where(eq(users.id, id));
}

export async function recordLogin(db: AppDatabase, id: string, now: number): Promise<void> {
  await db.update(users).set({ lastLoginAt: now }).where(eq(users.id, id));
}

/**
 * True for the row being changed unless it is the last enabled admin. Evaluated inside the UPDATE/DELETE,
 * so two admins demoting each other at once cannot both succeed.
 */
function notLastAdmin(id: string): SQL {
  return sql`(not (${users.role} = 'admin' and ${users.disabled} = 0) or (select count(*) from users as other where other.role = 'admin' and other.disabled = 0 and other.id <> ${id}) > 0)`;
}

export interface UserChange {
  role?: Role;
  disabled?: boolean;
  passwordHash?: string;
  mustChangePassword?: boolean;
  now: number;
}

/** The updated user; null when nothing was updated (no such user, or it would remove the last admin). */
export async function updateUserGuarded(db: AppDatabase, id: string, change: UserChange) {
  const { now, ...fields } = change;
  const removesAdmin = change.role === "viewer" || change.disabled === true;
  const where = removesAdmin ? sql`${users.id} = ${id} and ${notLastAdmin(id)}` : eq(users.id, id);
  const rows = await db
    .update(users)
    .set({ ...fields, updatedAt: now })
    .where(where)
    .returning();
  return rows[0] ? toUser(rows[0]) : null;
}

/** true when deleted; false when there is no such user or it is the last enabled admin. */
export async function deleteUserGuarded(db: AppDatabase, id: string): Promise<boolean> {
  const rows = await db
    .delete(users)
    .where(sql`${users.id} = ${id} and ${notLastAdmin(id)}`)
    .returning({ id: users.id });
  return rows.length > 0;
}
