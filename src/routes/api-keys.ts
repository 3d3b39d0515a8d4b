// Owns API key management (admin sessions only, enforced by the guard): list, create (key shown once), delete.
import { Hono } from "hono";
import * as v from "valibot";
import type { ApiKeyRecord } from "../auth/api-keys.js";
import { sessionOf } from "../auth/guard.js";
import { PERMISSIONS } from "../auth/principal.js";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validBody, validParams } from "../http/validate.js";

export const CreateBody = v.object({
  name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100)),
  permissions: v.pipe(v.array(v.picklist(PERMISSIONS)), v.minLength(1, "grant at least one permission")),
  /** Epoch ms; null or absent: never expires. */
  expires_at: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0))), null),
});

const IdParams = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });

function keyView(record: ApiKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    key_prefix: record.keyPrefix,
    permissions: record.permissions,
    created_by: record.createdBy,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    last_used_at: record.lastUsedAt,
  };
}

export function apiKeyRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get("/api/api-keys", async (c) => {
    const records = await deps.auth.apiKeys.list();
    return c.json({ data: records.map(keyView) });
  });

  app.post("/api/api-keys", async (c) => {
    const body = await validBody(c, CreateBody);
    if (body.expires_at !== null && body.expires_at <= deps.clock.now()) {
      throw new AppError("bad_request", "expires_at must be in the future (epoch milliseconds)", {
        code: "invalid_request",
        param: "expires_at",
      });
    }
    const { record, key } = await deps.auth.apiKeys.create({
      name: body.name,
      permissions: [...new Set(body.permissions)],
      expiresAt: body.expires_at,
      createdBy: sessionOf(c).user.username,
    });
    return c.json({ ...keyView(record), key }, 201);
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
