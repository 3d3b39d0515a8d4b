// Owns user administration (admin sessions only, enforced by the access table): list, create, change role /
// password / disabled, delete. The last enabled admin cannot be demoted, disabled or deleted (409).
import { Hono } from "hono";
import * as v from "valibot";
import { noteAudit } from "../audit/middleware.js";
import { sessionOf } from "../auth/guard.js";
import { NewPassword, Username } from "../auth/password-policy.js";
import { ROLES } from "../auth/principal.js";
import type { UserRow } from "../auth/users.js";
import type { AppDeps } from "../deps.js";
import { validBody, validParams } from "../http/validate.js";
import { type IsoTime, isoTime, isoTimeOrNull } from "../http/wire-time.js";

export const CreateBody = v.object({
  username: Username,
  password: NewPassword,
  role: v.optional(v.picklist(ROLES), "viewer"),
  /** Default true: the admin chose the password, so the user replaces it at the first login. */
  must_change_password: v.optional(v.boolean(), true),
});

export const UpdateBody = v.pipe(
  v.strictObject({
    role: v.optional(v.picklist(ROLES)),
    password: v.optional(NewPassword),
    disabled: v.optional(v.boolean()),
  }),
  v.check((body) => Object.keys(body).length > 0, "send at least one of role, password, disabled"),
);

/** What POST /api/users accepts. */
export type UserCreateInput = v.InferInput<typeof CreateBody>;
/** What PUT /api/users/{id} accepts. */
export type UserUpdateInput = v.InferInput<typeof UpdateBody>;

const IdParams = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });

/** One account as the API shows it (never the password hash). */
export interface UserAccountJson {
  id: string;
  username: string;
  role: "admin" | "viewer";
  disabled: boolean;
  must_change_password: boolean;
  created_at: IsoTime;
  updated_at: IsoTime;
  last_login_at: IsoTime | null;
}

export function userAccountView(user: UserRow): UserAccountJson {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    disabled: user.disabled,
    must_change_password: user.mustChangePassword,
    created_at: isoTime(user.createdAt),
    updated_at: isoTime(user.updatedAt),
    last_login_at: isoTimeOrNull(user.lastLoginAt),
  };
}

/** GET /api/users. */
export interface UserListJson {
  data: UserAccountJson[];
}

export function userRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get("/api/users", async (c) => {
    const list: UserListJson = { data: (await deps.auth.users.list()).map(userAccountView) };
    return c.json(list);
  });

  app.post("/api/users", async (c) => {
    const body = await validBody(c, CreateBody);
    noteAudit(c, { details: { username: body.username, role: body.role } });
    const user = await deps.auth.users.create({
      username: body.username,
      password: body.password,
      role: body.role,
      mustChangePassword: body.must_change_password,
    });
    noteAudit(c, { targetId: user.id });
    return c.json(userAccountView(user), 201);
  });

  app.put("/api/users/:id", async (c) => {
    const { id } = validParams(c, IdParams);
    const body = await validBody(c, UpdateBody);
    // What changed, never the password itself.
    noteAudit(c, {
      details: { ...body, password: undefined, password_reset: body.password !== undefined || undefined },
    });
    const user = await deps.auth.users.update(sessionOf(c), id, body);
    noteAudit(c, { details: { username: user.username } });
    return c.json(userAccountView(user));
  });

  app.delete("/api/users/:id", async (c) => {
    const { id } = validParams(c, IdParams);
    const user = await deps.auth.users.remove(id);
    noteAudit(c, { details: { username: user.username } });
    return c.body(null, 204);
  });

  return app;
}
