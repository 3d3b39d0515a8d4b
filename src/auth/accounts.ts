// Owns the account flows: login (throttled, same answer whether or not the user exists), password change,
// and the first-start admin bootstrap (a generated password is logged exactly once).

import type { Clock } from "../clock.js";
import type { DatabaseHandle } from "../db/client.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { DECOY_HASH, hashPassword, verifyPassword } from "./password.js";
import { requireStrongPassword } from "./password-policy.js";
import type { SessionInfo, SessionUser } from "./principal.js";
import type { NewSession, SessionStore } from "./sessions.js";
import type { LoginThrottle } from "./throttle.js";
import { randomToken } from "./tokens.js";
import {
  countUsers,
  findUserById,
  findUserByUsername,
  insertUserIfAbsent,
  recordLogin,
  setUserPassword,
  type UserRow,
} from "./users.js";

export interface AccountsOptions {
  database: DatabaseHandle;
  clock: Clock;
  logger: Logger;
  sessions: SessionStore;
  throttle: LoginThrottle;
  adminUsername: string;
  adminPassword: string | undefined;
}

export interface LoginResult extends NewSession {
  user: SessionUser;
}

export interface Accounts {
  login(username: string, password: string, clientIp: string | null): Promise<LoginResult>;
  changePassword(
    session: SessionInfo,
    currentPassword: string,
    newPassword: string,
    clientIp: string | null,
  ): Promise<void>;
  /** Creates the admin when there are no users; true once users exist (false: database failed, retry). */
  bootstrapAdmin(): Promise<boolean>;
}

const INVALID_LOGIN = "Invalid username or password";

function lockedOut(retryAfterSecs: number): AppError {
  return new AppError("rate_limited", "Too many failed logins; try again later", {
    code: "too_many_login_attempts",
    retryAfterSecs,
  });
}

export function sessionUserOf(user: UserRow): SessionUser {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    mustChangePassword: user.mustChangePassword,
  };
}

/** Database failures on the login path answer 503 (retry later), not a 500. */
async function orUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new AppError("unavailable", "Login is unavailable: the database cannot be reached", {
      code: "database_unavailable",
      cause: error,
    });
  }
}

/** The right current password lets the user set a new one (within the rules); their other sessions end. */
async function changePassword(
  options: AccountsOptions,
  change: { session: SessionInfo; currentPassword: string; newPassword: string; clientIp: string | null },
): Promise<void> {
  const { database, clock, sessions, throttle } = options;
  const { session, currentPassword, newPassword, clientIp } = change;
  const attempt = throttle.begin(session.user.username, clientIp);
  if (!attempt.admitted) throw lockedOut(attempt.retryAfterSecs);
  let user: Awaited<ReturnType<typeof findUserById>>;
  let valid: boolean;
  try {
    user = await findUserById(database.db, session.user.id);
    valid = user !== undefined && user !== null && (await verifyPassword(currentPassword, user.passwordHash));
  } catch (error) {
    attempt.cancel();
    throw error;
  }
  if (!user || !valid) {
    attempt.fail();
    throw new AppError("forbidden", "The current password is wrong", {
      code: "invalid_current_password",
      param: "current_password",
    });
  }
  attempt.cancel(); // the right password: not a login, so the pair's failures are kept
  requireStrongPassword(newPassword, user.username, "new_password");
  await setUserPassword(database.db, user.id, await hashPassword(newPassword), clock.now());
  await sessions.revokeOthers(user.id, session.tokenHash);
}

export function createAccounts(options: AccountsOptions): Accounts {
  const { database, clock, logger, sessions, throttle } = options;

  return {
    async login(username, password, clientIp) {
      // Counted before the password hash runs, so parallel attempts cannot outrun the limits.
      const attempt = throttle.begin(username, clientIp);
      if (!attempt.admitted) throw lockedOut(attempt.retryAfterSecs);
      let user: Awaited<ReturnType<typeof findUserByUsername>>;
      let valid: boolean;
      try {
        user = await orUnavailable(findUserByUsername(database.db, username));
        // Unknown users cost one KDF run too, so timing does not tell which usernames exist.
        valid = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
      } catch (error) {
        attempt.cancel();
        throw error;
      }
      if (!user || !valid) {
        const locked = attempt.fail();
        if (locked > 0) throw lockedOut(locked);
        throw new AppError("unauthorized", INVALID_LOGIN, { code: "invalid_credentials" });
      }
      // Re-checked now: a limit reached while this password was being checked still refuses the session.
      const wait = attempt.succeed();
      if (wait > 0) throw lockedOut(wait);
      if (user.disabled) {
        throw new AppError("forbidden", "This account is disabled; ask an admin", {
          code: "account_disabled",
        });
      }
      const session = await orUnavailable(sessions.create(user.id));
      await orUnavailable(recordLogin(database.db, user.id, clock.now()));
      return { ...session, user: sessionUserOf(user) };
    },

    changePassword: (session, currentPassword, newPassword, clientIp) =>
      changePassword(options, { session, currentPassword, newPassword, clientIp }),

    async bootstrapAdmin() {
      try {
        if ((await countUsers(database.db)) > 0) return true;
        const generated = options.adminPassword === undefined;
        const password = options.adminPassword ?? randomToken(18);
        const created = await insertUserIfAbsent(database.db, {
          username: options.adminUsername,
          passwordHash: await hashPassword(password),
          role: "admin",
          mustChangePassword: generated,
          now: clock.now(),
        });
        if (!created) return true; // another instance won the race and logged its own password
        if (generated) {
          // The only log line that ever carries a secret: shown once, on the start that created the admin.
          logger.warn("generated admin password", {
            username: options.adminUsername,
            password,
            note: "shown once; log in and change it (POST /api/auth/change-password)",
          });
        } else {
          logger.info("admin user created", { username: options.adminUsername });
        }
        return true;
      } catch (error) {
        logger.warn("admin bootstrap failed; retrying when the database is available", { error });
        return false;
      }
    },
  };
}
