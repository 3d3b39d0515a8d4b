// Owns dashboard sessions: creation (random token, stored as its SHA-256), lookup with the user, revocation.
// Lookups read the database on every call so a logout on any instance takes effect at once.
import { and, eq, lt, ne } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { DatabaseHandle } from "../db/client.js";
import { sessions, users } from "../db/schema.js";
import type { SessionInfo } from "./principal.js";
import { randomToken, tokenHash } from "./tokens.js";

/** Prefix that tells a session token from an API key (`sk_`) in an Authorization header. */
export const SESSION_TOKEN_PREFIX = "ses_";

export interface NewSession {
  token: string;
  csrfToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface SessionStore {
  create(userId: string): Promise<NewSession>;
  /** The live session for `token` with its user; null when unknown or expired. */
  lookup(token: string): Promise<SessionInfo | null>;
  revoke(tokenHash: string): Promise<void>;
  /** Ends every session of the user except `keepTokenHash` (after a password change). */
  revokeOthers(userId: string, keepTokenHash: string): Promise<void>;
  /** Ends every session of the user (disabled, deleted, or password reset by an admin). */
  revokeAll(userId: string): Promise<void>;
}

export function createSessionStore(options: { database: DatabaseHandle; clock: Clock; ttlMs: number }) {
  const { database, clock, ttlMs } = options;
  const store: SessionStore = {
    async create(userId) {
      const now = clock.now();
      const token = `${SESSION_TOKEN_PREFIX}${randomToken(32)}`;
      const csrfToken = randomToken(32);
      const expiresAt = now + ttlMs;
      // Expired rows are dropped here, on the rare write path, instead of by a timer.
      await database.db.delete(sessions).where(lt(sessions.expiresAt, now));
      await database.db
        .insert(sessions)
        .values({ tokenHash: tokenHash(token), userId, csrfToken, createdAt: now, expiresAt });
      return { token, csrfToken, expiresAt };
    },
    async lookup(token) {
      const hash = tokenHash(token);
      const rows = await database.db
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(sessions.tokenHash, hash))
        .limit(1);
      const row = rows[0];
      if (!row || row.user.disabled || row.session.expiresAt <= clock.now()) return null;
      return {
        tokenHash: hash,
        csrfToken: row.session.csrfToken,
        expiresAt: row.session.expiresAt,
        user: {
          id: row.user.id,
          username: row.user.username,
          role: row.user.role === "admin" ? "admin" : "viewer",
          mustChangePassword: row.user.mustChangePassword,
        },
      };
    },
    async revoke(hash) {
      await database.db.delete(sessions).where(eq(sessions.tokenHash, hash));
    },
    async revokeOthers(userId, keepTokenHash) {
      await database.db
        .delete(sessions)
        .where(and(eq(sessions.userId, userId), ne(sessions.tokenHash, keepTokenHash)));
    },
    async revokeAll(userId) {
      await database.db.delete(sessions).where(eq(sessions.userId, userId));
    },
  };
  return store;
}
