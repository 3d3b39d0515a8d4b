// Owns invitations: one-time registration codes (shown once, stored as SHA-256) with an expiry, revocation,
// and registration with a code — throttled per client address like login; a used, expired or revoked code
// is refused with the reason. Times are epoch ms.
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { AppDatabase, DatabaseHandle } from "../db/client.js";
import { invitations, users } from "../db/schema.js";
import { AppError } from "../errors.js";
import { hashPassword } from "./password.js";
import { requireStrongPassword } from "./password-policy.js";
import type { Role } from "./principal.js";
import type { LoginThrottle } from "./throttle.js";
import { randomToken, tokenHash } from "./tokens.js";
import { usernameTaken } from "./user-admin.js";
import { findUserByUsername, insertUserIfAbsent, type UserRow } from "./users.js";

export const INVITATION_PREFIX = "inv_";

export type InvitationStatus = "pending" | "used" | "expired" | "revoked";

export interface InvitationRecord {
  id: string;
  role: Role;
  createdBy: string | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedBy: string | null;
  /** Username of the account registered with it (null while unused or after that user was deleted). */
  usedByName: string | null;
  revokedAt: number | null;
  status: InvitationStatus;
}

export interface Invitations {
  create(input: { role: Role; expiresInHours: number; createdBy: string }): Promise<{
    record: InvitationRecord;
    code: string;
  }>;
  list(): Promise<InvitationRecord[]>;
  /** The revoked invitation; 404 when unknown, 409 when already used. */
  revoke(id: string): Promise<InvitationRecord>;
  register(
    input: { code: string; username: string; password: string },
    clientIp: string | null,
  ): Promise<UserRow>;
}

type Row = typeof invitations.$inferSelect;

function statusOf(row: Row, now: number): InvitationStatus {
  if (row.usedAt !== null) return "used";
  if (row.revokedAt !== null) return "revoked";
  return row.expiresAt <= now ? "expired" : "pending";
}

function toRecord(row: Row, usedByName: string | null, now: number): InvitationRecord {
  return {
    id: row.id,
    role: row.role === "admin" ? "admin" : "viewer",
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    usedAt: row.usedAt,
    usedBy: row.usedBy,
    usedByName,
    revokedAt: row.revokedAt,
    status: statusOf(row, now),
  };
}

const REFUSALS: Record<Exclude<InvitationStatus, "pending">, string> = {
  used: "This invitation code has already been used",
  expired: "This invitation code has expired; ask an admin for a new one",
  revoked: "This invitation code was revoked; ask an admin for a new one",
};

function refused(status: InvitationStatus | "invalid"): AppError {
  const message =
    status === "invalid" || status === "pending" ? "This invitation code is not valid" : REFUSALS[status];
  return new AppError("bad_request", message, { code: `invitation_${status}`, param: "invitation_code" });
}

function tooManyAttempts(retryAfterSecs: number): AppError {
  return new AppError("rate_limited", "Too many failed registrations; try again later", {
    code: "too_many_registration_attempts",
    retryAfterSecs,
  });
}

async function findByCode(db: AppDatabase, code: string): Promise<Row | undefined> {
  return (
    await db
      .select()
      .from(invitations)
      .where(eq(invitations.codeHash, tokenHash(code)))
      .limit(1)
  )[0];
}

/** Marks the invitation used if it still is pending; false when another registration (or expiry) won. */
async function claim(db: AppDatabase, id: string, now: number): Promise<boolean> {
  const claimed = await db
    .update(invitations)
    .set({ usedAt: now })
    .where(
      and(
        eq(invitations.id, id),
        isNull(invitations.usedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, now),
      ),
    )
    .returning({ id: invitations.id });
  return claimed.length > 0;
}

interface RegisterContext {
  db: AppDatabase;
  clock: Clock;
  throttle: LoginThrottle;
}

/**
 * The pending invitation for `code`, counted by the login throttle under the pseudo-username
 * `register:<username>` (so failed codes never lock a real account's login, while the per-address ceiling
 * is shared with logins). A wrong, used, expired or revoked code is a failed attempt.
 */
async function pendingInvitation(
  ctx: RegisterContext,
  input: { code: string; username: string },
  clientIp: string | null,
): Promise<Row> {
  const attempt = ctx.throttle.begin(`register:${input.username}`, clientIp);
  if (!attempt.admitted) throw tooManyAttempts(attempt.retryAfterSecs);
  let invitation: Row | undefined;
  try {
    invitation = await findByCode(ctx.db, input.code);
  } catch (error) {
    attempt.cancel();
    throw error;
  }
  const status = invitation ? statusOf(invitation, ctx.clock.now()) : "invalid";
  if (!invitation || status !== "pending") {
    const locked = attempt.fail();
    throw locked > 0 ? tooManyAttempts(locked) : refused(status);
  }
  const wait = attempt.succeed();
  if (wait > 0) throw tooManyAttempts(wait);
  return invitation;
}

/** Creates the account an invitation allows; the invitation is used up only when the account exists. */
async function registerWithCode(
  ctx: RegisterContext,
  input: { code: string; username: string; password: string },
  clientIp: string | null,
): Promise<UserRow> {
  const { db } = ctx;
  requireStrongPassword(input.password, input.username);
  const invitation = await pendingInvitation(ctx, input, clientIp);
  if (await findUserByUsername(db, input.username)) throw usernameTaken(input.username);
  const now = ctx.clock.now();
  if (!(await claim(db, invitation.id, now))) {
    throw refused(statusOf((await findByCode(db, input.code)) ?? invitation, now));
  }
  const user = await insertUserIfAbsent(db, {
    username: input.username,
    passwordHash: await hashPassword(input.password),
    role: invitation.role === "admin" ? "admin" : "viewer",
    mustChangePassword: false,
    now,
  });
  if (!user) {
    // Someone took the name meanwhile: give the invitation back.
    await db.update(invitations).set({ usedAt: null }).where(eq(invitations.id, invitation.id));
    throw usernameTaken(input.username);
  }
  await db.update(invitations).set({ usedBy: user.id }).where(eq(invitations.id, invitation.id));
  return user;
}

export function createInvitations(options: {
  database: DatabaseHandle;
  clock: Clock;
  throttle: LoginThrottle;
}): Invitations {
  const { database, clock, throttle } = options;
  const db = database.db;

  return {
    async create(input) {
      const code = `${INVITATION_PREFIX}${randomToken(24)}`;
      const now = clock.now();
      const row: Row = {
        id: crypto.randomUUID(),
        codeHash: tokenHash(code),
        role: input.role,
        createdBy: input.createdBy,
        createdAt: now,
        expiresAt: now + Math.round(input.expiresInHours * 3_600_000),
        usedAt: null,
        usedBy: null,
        revokedAt: null,
      };
      await db.insert(invitations).values(row);
      return { record: toRecord(row, null, now), code };
    },

    async list() {
      const rows = await db
        .select({ invitation: invitations, usedByName: users.username })
        .from(invitations)
        .leftJoin(users, eq(users.id, invitations.usedBy))
        .orderBy(desc(invitations.createdAt), invitations.id);
      const now = clock.now();
      return rows.map((row) => toRecord(row.invitation, row.usedByName, now));
    },

    async revoke(id) {
      const now = clock.now();
      const rows = await db
        .update(invitations)
        .set({ revokedAt: now })
        .where(and(eq(invitations.id, id), isNull(invitations.usedAt), isNull(invitations.revokedAt)))
        .returning();
      if (rows[0]) return toRecord(rows[0], null, now);
      const existing = (await db.select().from(invitations).where(eq(invitations.id, id)).limit(1))[0];
      if (!existing)
        throw new AppError("not_found", `No invitation with id ${id}`, { code: "invitation_not_found" });
      if (existing.revokedAt !== null) return toRecord(existing, null, now);
      throw new AppError("conflict", "This invitation has already been used", { code: "invitation_used" });
    },
    register: (input, clientIp) => registerWithCode({ db, clock, throttle }, input, clientIp),
  };
}
