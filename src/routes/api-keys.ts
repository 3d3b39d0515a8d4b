// Owns API key management: /api/api-keys is the admin's view of every key (create for anyone, change
// limits, delete); /api/me/api-keys is every signed-in user's own keys. A key never holds a permission its
// owner's role may not grant (a viewer: openai.inference and openai.models.read; anything else → 403).
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { noteAudit } from "../audit/middleware.js";
import type { ApiKeyListing, ApiKeyPatch, ApiKeyRecord } from "../auth/api-keys.js";
import { sessionOf } from "../auth/guard.js";
import { PERMISSIONS, type Permission, type Role, VIEWER_PERMISSIONS } from "../auth/principal.js";
import { findUserById } from "../auth/users.js";
import { PRIORITIES, type Priority } from "../balancer/fair-queue.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validBody, validParams } from "../http/validate.js";
import { type IsoTime, isoTime, isoTimeOrNull, timeField } from "../http/wire-time.js";

/** Only what these routes use. */
type ApiKeyRoutesDeps = Pick<AppDeps, "auth" | "clock" | "database">;

const Limit = (max: number) =>
  v.nullable(
    v.pipe(
      v.number(),
      v.integer("must be a whole number"),
      v.minValue(1, "must be at least 1; null: unlimited"),
      v.maxValue(max),
    ),
  );

const LimitFields = {
  /** Requests per UTC minute; null or absent: unlimited. */
  rate_limit_rpm: v.optional(Limit(1_000_000)),
  /** Output tokens per UTC day; null or absent: unlimited. */
  token_limit_daily: v.optional(Limit(1_000_000_000_000)),
};

/** Queue order when every endpoint is saturated: interactive requests are served before batch ones. */
const KeyPriority = v.picklist(PRIORITIES, "priority must be 'interactive' or 'batch'");

const Name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100));
const Permissions = v.pipe(v.array(v.picklist(PERMISSIONS)), v.minLength(1, "grant at least one permission"));

export const CreateBody = v.object({
  name: Name,
  permissions: Permissions,
  /** ISO 8601 or epoch ms; null or absent: never expires. */
  expires_at: v.optional(v.nullable(timeField), null),
  /** Admin only: the user who will own the key (default: the caller). */
  user_id: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
  priority: v.optional(KeyPriority, "interactive"),
  ...LimitFields,
});

export const UpdateBody = v.pipe(
  v.strictObject({
    name: v.optional(Name),
    permissions: v.optional(Permissions),
    priority: v.optional(KeyPriority),
    ...LimitFields,
  }),
  v.check(
    (body) => Object.keys(body).length > 0,
    "send at least one of name, permissions, priority, rate_limit_rpm, token_limit_daily",
  ),
);

/** What POST /api/api-keys and /api/me/api-keys accept. */
export type ApiKeyCreateInput = v.InferInput<typeof CreateBody>;
/** What PUT /api/api-keys/{id} and /api/me/api-keys/{id} accept. */
export type ApiKeyUpdateInput = v.InferInput<typeof UpdateBody>;

const IdParams = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });

/** One key as the keys pages show it (never the key itself, except `key` once at creation). */
export interface ApiKeyJson {
  id: string;
  name: string;
  key_prefix: string;
  permissions: Permission[];
  created_by: string | null;
  user_id: string | null;
  owner: string | null;
  created_at: IsoTime;
  expires_at: IsoTime | null;
  last_used_at: IsoTime | null;
  rate_limit_rpm: number | null;
  token_limit_daily: number | null;
  /** Queue order of its requests when endpoints are saturated. */
  priority: Priority;
  /** Today (UTC), as shared through the database (up to the usage sync interval behind). */
  used_today: { requests: number; output_tokens: number };
}

export interface CreatedApiKeyJson extends ApiKeyJson {
  /** The full key: shown in this response only. */
  key: string;
}

export interface ApiKeyListJson {
  data: ApiKeyJson[];
}

export function keyView(record: ApiKeyRecord | ApiKeyListing): ApiKeyJson {
  const listing = "usedToday" in record ? record : null;
  return {
    id: record.id,
    name: record.name,
    key_prefix: record.keyPrefix,
    permissions: record.permissions,
    created_by: record.createdBy,
    user_id: record.userId,
    owner: listing?.ownerName ?? null,
    created_at: isoTime(record.createdAt),
    expires_at: isoTimeOrNull(record.expiresAt),
    last_used_at: isoTimeOrNull(record.lastUsedAt),
    rate_limit_rpm: record.limits.rpm,
    token_limit_daily: record.limits.tokensDaily,
    priority: record.priority,
    used_today: {
      requests: listing?.usedToday.requests ?? 0,
      output_tokens: listing?.usedToday.outputTokens ?? 0,
    },
  };
}

/** 403 when a key owned by someone of `role` would hold a permission that role may not grant. */
function requireGrantable(role: Role, permissions: readonly Permission[]): void {
  if (role === "admin") return;
  const refused = permissions.filter((permission) => !VIEWER_PERMISSIONS.includes(permission));
  if (refused.length > 0) {
    throw new AppError(
      "forbidden",
      `A viewer's API key may only hold ${VIEWER_PERMISSIONS.join(" and ")}; not ${refused.join(", ")}`,
      { code: "permission_not_grantable", param: "permissions" },
    );
  }
}

function keyNotFound(id: string): AppError {
  return new AppError("not_found", `No API key with id ${id}`, { code: "api_key_not_found" });
}

function patchOf(body: v.InferOutput<typeof UpdateBody>): ApiKeyPatch {
  return {
    name: body.name,
    permissions: body.permissions ? [...new Set(body.permissions)] : undefined,
    limits: { rpm: body.rate_limit_rpm, tokensDaily: body.token_limit_daily },
    priority: body.priority,
  };
}

/** The create / update / delete steps both key route families share; who may touch a key is the caller's. */
function keyHandlers(deps: ApiKeyRoutesDeps) {
  const keys = deps.auth.apiKeys;

  const listingOf = async (id: string) => {
    const [listing] = await keys.list({ keyId: id });
    if (!listing) throw keyNotFound(id);
    return keyView(listing);
  };

  /** Creates a key owned by whom `ownerOf` names (the caller or, for admins, anyone). */
  const create = async (
    c: Context,
    ownerOf: (userId: string | undefined) => Promise<{ id: string; role: Role }>,
  ) => {
    const body = await validBody(c, CreateBody);
    if (body.expires_at !== null && body.expires_at <= deps.clock.now()) {
      throw new AppError("bad_request", "expires_at must be in the future", {
        code: "invalid_request",
        param: "expires_at",
      });
    }
    const owner = await ownerOf(body.user_id);
    requireGrantable(owner.role, body.permissions);
    const { record, key } = await keys.create({
      name: body.name,
      permissions: [...new Set(body.permissions)],
      expiresAt: body.expires_at,
      createdBy: sessionOf(c).user.username,
      userId: owner.id,
      limits: { rpm: body.rate_limit_rpm ?? null, tokensDaily: body.token_limit_daily ?? null },
      priority: body.priority,
    });
    noteAudit(c, {
      targetType: "api_key",
      targetId: record.id,
      details: { ...body, expires_at: isoTimeOrNull(body.expires_at) },
    });
    const created: CreatedApiKeyJson = { ...(await listingOf(record.id)), key };
    return c.json(created, 201);
  };

  const someUser = async (userId: string) => {
    const user = await findUserById(deps.database.db, userId);
    if (user) return user;
    throw new AppError("bad_request", `Invalid body field 'user_id': no user with id ${userId}`, {
      code: "invalid_request",
      param: "user_id",
    });
  };

  /** Applies an update to key `id` if `mayChange` accepts it (else 404, so other users' keys stay unseen). */
  const update = async (c: Context, mayChange: (record: ApiKeyRecord) => boolean) => {
    const { id } = validParams(c, IdParams);
    const body = await validBody(c, UpdateBody);
    // What changed: names, permissions and limits are not secrets.
    noteAudit(c, { details: { ...body } });
    const record = await keys.get(id);
    if (!record || !mayChange(record)) throw keyNotFound(id);
    const owner = record.userId ? await findUserById(deps.database.db, record.userId) : null;
    if (body.permissions) requireGrantable(owner?.role ?? "admin", body.permissions);
    if (!(await keys.update(id, patchOf(body)))) throw keyNotFound(id);
    return c.json(await listingOf(id));
  };

  const remove = async (c: Context, mayDelete: (record: ApiKeyRecord) => boolean) => {
    const { id } = validParams(c, IdParams);
    const record = await keys.get(id);
    if (!record || !mayDelete(record) || !(await keys.remove(id))) throw keyNotFound(id);
    noteAudit(c, { details: { name: record.name } });
    return c.body(null, 204);
  };

  return { create, update, remove, someUser };
}

/** The caller's own user, refusing a `user_id` naming someone else. */
function selfOnly(c: Context, userId: string | undefined) {
  const { user } = sessionOf(c);
  if (userId !== undefined && userId !== user.id) {
    throw new AppError(
      "forbidden",
      "Your own keys are yours: create keys for others at /api/api-keys (admin)",
      {
        code: "insufficient_permissions",
        param: "user_id",
      },
    );
  }
  return user;
}

export function apiKeyRoutes(deps: ApiKeyRoutesDeps): Hono {
  const app = new Hono();
  const keys = deps.auth.apiKeys;
  const { create, update, remove, someUser } = keyHandlers(deps);

  // The admin's view of every key (admin sessions only, enforced by the access table).
  app.get("/api/api-keys", async (c) => {
    const list: ApiKeyListJson = { data: (await keys.list()).map(keyView) };
    return c.json(list);
  });
  app.post("/api/api-keys", (c) =>
    create(c, async (userId) => (userId === undefined ? sessionOf(c).user : someUser(userId))),
  );
  app.put("/api/api-keys/:id", (c) => update(c, () => true));
  // The same partial update (kept for clients that change a key's priority with PATCH).
  app.patch("/api/api-keys/:id", (c) => update(c, () => true));
  app.delete("/api/api-keys/:id", (c) => remove(c, () => true));

  // Every signed-in user's own keys.
  const mine = (c: Context) => (record: ApiKeyRecord) => record.userId === sessionOf(c).user.id;
  app.get("/api/me/api-keys", async (c) => {
    const list: ApiKeyListJson = { data: (await keys.list({ userId: sessionOf(c).user.id })).map(keyView) };
    return c.json(list);
  });
  app.post("/api/me/api-keys", (c) => create(c, async (userId) => selfOnly(c, userId)));
  app.put("/api/me/api-keys/:id", (c) => update(c, mine(c)));
  app.delete("/api/me/api-keys/:id", (c) => remove(c, mine(c)));

  return app;
}
