// Owns building the auth services once (sessions, API keys, throttle, accounts, users, invitations).

import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DatabaseHandle } from "../db/client.js";
import type { Logger } from "../logger.js";
import { type Accounts, createAccounts } from "./accounts.js";
import { type ApiKeyStore, createApiKeyStore } from "./api-keys.js";
import { createInvitations, type Invitations } from "./invitations.js";
import { createSessionStore, type SessionStore } from "./sessions.js";
import { createLoginThrottle } from "./throttle.js";
import { createUserAdmin, type UserAdmin } from "./user-admin.js";

/** Failed logins per (username, client address) before the exponential backoff starts. */
export const MAX_LOGIN_FAILURES = 10;
/** Failed logins per username, and per client address, inside LLMLB_LOGIN_LOCKOUT_SECS before it is locked. */
export const LOGIN_FAILURE_CEILING = 100;
/** How often buffered API-key last-used times are written, ms. */
export const LAST_USED_FLUSH_MS = 10_000;

export interface Auth {
  sessions: SessionStore;
  apiKeys: ApiKeyStore;
  accounts: Accounts;
  users: UserAdmin;
  invitations: Invitations;
}

export function createAuth(options: {
  config: Config;
  database: DatabaseHandle;
  clock: Clock;
  logger: Logger;
}): Auth {
  const { config, database, clock, logger } = options;
  const sessions = createSessionStore({ database, clock, ttlMs: config.sessionTtlHours * 3_600_000 });
  const throttle = createLoginThrottle({
    now: () => clock.now(),
    windowMs: config.loginLockoutSecs * 1000,
    freeFailures: MAX_LOGIN_FAILURES,
    ceiling: LOGIN_FAILURE_CEILING,
  });
  const accounts = createAccounts({
    database,
    clock,
    logger,
    sessions,
    throttle,
    adminUsername: config.adminUsername,
    adminPassword: config.adminPassword,
  });
  const apiKeys = createApiKeyStore({ database, clock });
  return {
    sessions,
    apiKeys,
    accounts,
    users: createUserAdmin({ database, clock, sessions, apiKeys }),
    // Registration shares the login throttle: one budget of failed guesses per client address.
    invitations: createInvitations({ database, clock, throttle }),
  };
}
