// Owns API key management (admin sessions only, enforced by the guard): list, create (key shown once),
// change the queue priority, delete.
import { Hono } from "hono";
import * as v from "valibot";
import type { ApiKeyRecord } from "../auth/api-keys.js";
import { sessionOf } from "../auth/guard.js";
import { PERMISSIONS, type Permission } from "../auth/principal.js";
import { PRIORITIES, type Priority } from "../balancer/fair-queue.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validBody, validParams } from "../http/validate.js";
import { type IsoTime, isoTime, isoTimeOrNull, timeField } from "../http/wire-time.js";

/** Only what these routes use. */
type ApiKeyRoutesDeps = Pick<AppDeps, "auth" | "clock">;

export const CreateBody = v.object({
  name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100)),
  permissions: v.pipe(v.array(v.picklist(PERMISSIONS)), v.minLength(1, "grant at least one permission")),
  /** ISO 8601 or epoch ms; null or absent: never expires. */
  expires_at: v.optional(v.nullable(timeField), null),
  /** Queue order when every endpoint is saturated: interactive requests are served before batch ones. */
  priority: v.optional(v.picklist(PRIORITIES, "priority must be 'interactive' or 'batch'"), "interactive"),
});

export const UpdateBody = v.object({
  priority: v.picklist(PRIORITIES, "priority must be 'interactive' or 'batch'"),
});

/** What POST /api/api-keys accepts. */
export type ApiKeyCreateInput = v.InferInput<typeof CreateBody>;

const IdParams = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });

/** One key as GET /api/api-keys lists it (never the secret). */
export interface ApiKeyJson {
  id: string;
  name: string;
  /** The key's first characters, to recognise it. */
  key_prefix: string;
  permissions: Permission[];
  created_by: string | null;
  created_at: IsoTime;
  expires_at: IsoTime | null;
  last_used_at: IsoTime | null;
  /** Queue order of its requests when every endpoint is busy. */
  priority: Priority;
}

/** POST /api/api-keys: the new key with its secret, shown only in this answer. */
export type CreatedApiKeyJson = ApiKeyJson & { key: string };

/** GET /api/api-keys. */
export interface ApiKeyListJson {
  data: ApiKeyJson[];
}

function keyView(record: ApiKeyRecord): ApiKeyJson {
  return {
    id: record.id,
    name: record.name,
    key_prefix: record.keyPrefix,
    permissions: record.permissions,
    created_by: record.createdBy,
    created_at: isoTime(record.createdAt),
    expires_at: isoTimeOrNull(record.expiresAt),
    last_used_at: isoTimeOrNull(record.lastUsedAt),
    priority: record.priority,
  };
}

export function apiKeyRoutes(deps: ApiKeyRoutesDeps): Hono {
  const app = new Hono();

  app.get("/api/api-keys", async (c) => {
    const records = await deps.auth.apiKeys.list();
    const list: ApiKeyListJson = { data: records.map(keyView) };
    return c.json(list);
  });

  app.post("/api/api-keys", async (c) => {
    const body = await validBody(c, CreateBody);
    if (body.expires_at !== null && body.expires_at <= deps.clock.now()) {
      throw new AppError("bad_request", "expires_at must be in the future", {
        code: "invalid_request",
        param: "expires_at",
      });
    }
    const { record, key } = await deps.auth.apiKeys.create({
      name: body.name,
      permissions: [...new Set(body.permissions)],
      expiresAt: body.expires_at,
      createdBy: sessionOf(c).user.username,
      priority: body.priority,
    });
    const created: CreatedApiKeyJson = { ...keyView(record), key };
    return c.json(created, 201);
  });

  app.patch("/api/api-keys/:id", async (c) => {
    const { id } = validParams(c, IdParams);
    const body = await validBody(c, UpdateBody);
    const record = await deps.auth.apiKeys.setPriority(id, body.priority);
    if (!record) throw new AppError("not_found", `No API key with id ${id}`, { code: "api_key_not_found" });
    return c.json(keyView(record));
  });

  app.delete("/api/api-keys/:id", async (c) => {
    const { id } = validParams(c, IdParams);
    if (!(await deps.auth.apiKeys.remove(id))) {
      throw new AppError("not_found", `No API key with id ${id}`, { code: "api_key_not_found" });
    }
    return c.body(null, 204);
  });

  return app;
}
