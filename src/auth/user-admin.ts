// Owns what an admin does to accounts: create, change role / password / disabled, delete. Disabling or
// deleting ends the user's sessions at once on every instance (sessions are read per request) and their API
// keys at once here, within the key cache's FOUND_TTL_MS elsewhere. The last enabled admin stays (409).

import type { Clock } from "../clock.js";
import type { DatabaseHandle } from "../db/client.js";
import { AppError } from "../errors.js";
import type { ApiKeyStore } from "./api-keys.js";
import { hashPassword } from "./password.js";
import { requireStrongPassword } from "./password-policy.js";
import { type Role, type SessionInfo, VIEWER_PERMISSIONS } from "./principal.js";
import type { SessionStore } from "./sessions.js";
import {
  deleteUserGuarded,
  findUserById,
  findUserByUsername,
  insertUserIfAbsent,
  listUsers,
  type UserChange,
  type UserRow,
  updateUserGuarded,
} from "./users.js";

export interface NewAccount {
  username: string;
  password: string;
  role: Role;
  mustChangePassword: boolean;
}

export interface AccountPatch {
  role?: Role;
  password?: string;
  disabled?: boolean;
}

export interface UserAdmin {
  list(): Promise<UserRow[]>;
  /** 409 `username_taken` when the name exists in any letter case. */
  create(input: NewAccount): Promise<UserRow>;
  /** `actor` is the admin's session (their own sessions survive resetting their own password). */
  update(actor: SessionInfo, id: string, patch: AccountPatch): Promise<UserRow>;
  /** Returns the deleted user. */
  remove(id: string): Promise<UserRow>;
}

export function usernameTaken(username: string): AppError {
  return new AppError("conflict", `The username '${username}' is already taken`, {
    code: "username_taken",
    param: "username",
  });
}

function lastAdmin(what: string): AppError {
  return new AppError("conflict", `Cannot ${what} the last enabled admin; make another user admin first`, {
    code: "last_admin",
  });
}

function userNotFound(id: string): AppError {
  return new AppError("not_found", `No user with id ${id}`, { code: "user_not_found" });
}

export function createUserAdmin(options: {
  database: DatabaseHandle;
  clock: Clock;
  sessions: SessionStore;
  apiKeys: ApiKeyStore;
}): UserAdmin {
  const { database, clock, sessions, apiKeys } = options;
  const db = database.db;

  return {
    list: () => listUsers(db),

    async create(input) {
      requireStrongPassword(input.password, input.username);
      if (await findUserByUsername(db, input.username)) throw usernameTaken(input.username);
      const created = await insertUserIfAbsent(db, {
        username: input.username,
        passwordHash: await hashPassword(input.password),
        role: input.role,
        mustChangePassword: input.mustChangePassword,
        now: clock.now(),
      });
      if (!created) throw usernameTaken(input.username);
      return created;
    },

    async update(actor, id, patch) {
      const user = await findUserById(db, id);
      if (!user) throw userNotFound(id);
      const change: UserChange = { now: clock.now() };
      if (patch.role !== undefined) change.role = patch.role;
      if (patch.disabled !== undefined) change.disabled = patch.disabled;
      const self = actor.user.id === id;
      if (patch.password !== undefined) {
        requireStrongPassword(patch.password, user.username);
        change.passwordHash = await hashPassword(patch.password);
        // Someone else chose it: the user picks their own at the next login.
        change.mustChangePassword = !self;
      }
      const updated = await updateUserGuarded(db, id, change);
      if (!updated) {
        if (!(await findUserById(db, id))) throw userNotFound(id);
        throw lastAdmin(patch.disabled ? "disable" : "demote");
      }
      if (patch.disabled === true || (patch.password !== undefined && !self)) await sessions.revokeAll(id);
      else if (patch.password !== undefined) await sessions.revokeOthers(id, actor.tokenHash);
      if (patch.disabled !== undefined) apiKeys.forgetUser(id);
      if (patch.role === "viewer" && user.role === "admin")
        await apiKeys.restrictUser(id, VIEWER_PERMISSIONS);
      return updated;
    },

    async remove(id) {
      const user = await findUserById(db, id);
      if (!user) throw userNotFound(id);
      if (!(await deleteUserGuarded(db, id))) {
        if (!(await findUserById(db, id))) throw userNotFound(id);
        throw lastAdmin("delete");
      }
      await sessions.revokeAll(id);
      await apiKeys.removeByUser(id);
      return user;
    },
  };
}
