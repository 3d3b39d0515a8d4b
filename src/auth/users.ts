// Owns the users table queries: lookup by name or id, insertion (first writer wins), password updates.
import { count, eq } from "drizzle-orm";
import type { AppDatabase } from "../db/client.js";
import { users } from "../db/schema.js";
import type { Role, SessionUser } from "./principal.js";

export interface UserRow extends SessionUser {
  passwordHash: string;
}

function toUser(row: typeof users.$inferSelect): UserRow {
  return {
    id: row.id,
    username: row.username,
    role: row.role === "admin" ? "admin" : "viewer",
    mustChangePassword: row.mustChangePassword,
    passwordHash: row.passwordHash,
  };
}

export async function findUserByUsername(db: AppDatabase, username: string): Promise<UserRow | null> {
  const rows = await db.select().from(users).where(eq(users.username, username)).limit(1);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function findUserById(db: AppDatabase, id: string): Promise<UserRow | null> {
  const rows = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return rows[0] ? toUser(rows[0]) : null;
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

/** Inserts the user unless the username exists; true when this call created it. */
export async function insertUserIfAbsent(db: AppDatabase, user: NewUser): Promise<boolean> {
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
    .returning({ id: users.id });
  return inserted.length > 0;
}

export async function setUserPassword(db: AppDatabase, id: string, passwordHash: string, now: number) {
  await db
    .update(users)
    .set({ passwordHash, mustChangePassword: false, updatedAt: now })
    .where(eq(users.id, id));
}
