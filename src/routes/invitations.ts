// Owns invitations (admin sessions only, enforced by the access table): create (the code is in this one
// response only), list, revoke; and registering with one (POST /api/auth/register, public).
import { Hono } from "hono";
import * as v from "valibot";
import { noteAudit } from "../audit/middleware.js";
import { sessionOf } from "../auth/guard.js";
import type { InvitationRecord, InvitationStatus } from "../auth/invitations.js";
import { NewPassword, Username } from "../auth/password-policy.js";
import { ROLES } from "../auth/principal.js";
import type { AppDeps } from "../deps.js";
import { requireJson, validBody, validParams } from "../http/validate.js";
import { type IsoTime, isoTime, isoTimeOrNull } from "../http/wire-time.js";
import { userAccountView } from "./users.js";

/** What POST /api/auth/register accepts. */
export type RegisterInput = v.InferInput<typeof RegisterBody>;

export const RegisterBody = v.object({
  invitation_code: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(128)),
  username: Username,
  password: NewPassword,
});

/** Invitations last from 1 hour to 90 days. */
const MAX_EXPIRY_HOURS = 90 * 24;

export const CreateBody = v.object({
  role: v.optional(v.picklist(ROLES), "viewer"),
  expires_in_hours: v.optional(
    v.pipe(
      v.number(),
      v.minValue(1, "must be at least 1"),
      v.maxValue(MAX_EXPIRY_HOURS, `must be at most ${MAX_EXPIRY_HOURS} (90 days)`),
    ),
    72,
  ),
});

/** What POST /api/invitations accepts. */
export type InvitationCreateInput = v.InferInput<typeof CreateBody>;

const IdParams = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });

/** An invitation as listed (never its code). */
export interface InvitationJson {
  id: string;
  role: "admin" | "viewer";
  status: InvitationStatus;
  created_by: string | null;
  created_at: IsoTime;
  expires_at: IsoTime;
  used_at: IsoTime | null;
  used_by: string | null;
  used_by_username: string | null;
  revoked_at: IsoTime | null;
}

export function invitationView(record: InvitationRecord): InvitationJson {
  return {
    id: record.id,
    role: record.role,
    status: record.status,
    created_by: record.createdBy,
    created_at: isoTime(record.createdAt),
    expires_at: isoTime(record.expiresAt),
    used_at: isoTimeOrNull(record.usedAt),
    used_by: record.usedBy,
    used_by_username: record.usedByName,
    revoked_at: isoTimeOrNull(record.revokedAt),
  };
}

/** The answer to creating one: the only time the code is ever shown. */
export interface CreatedInvitationJson extends InvitationJson {
  code: string;
}

/** GET /api/invitations. */
export interface InvitationListJson {
  data: InvitationJson[];
}

export function invitationRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get("/api/invitations", async (c) => {
    const list: InvitationListJson = { data: (await deps.auth.invitations.list()).map(invitationView) };
    return c.json(list);
  });

  app.post("/api/invitations", async (c) => {
    const body = await validBody(c, CreateBody);
    const { record, code } = await deps.auth.invitations.create({
      role: body.role,
      expiresInHours: body.expires_in_hours,
      createdBy: sessionOf(c).user.username,
    });
    noteAudit(c, {
      targetId: record.id,
      details: { role: record.role, expires_at: isoTime(record.expiresAt) },
    });
    const created: CreatedInvitationJson = { ...invitationView(record), code };
    return c.json(created, 201);
  });

  app.post("/api/auth/register", async (c) => {
    requireJson(c);
    const body = await validBody(c, RegisterBody);
    noteAudit(c, { actor: { type: "user", id: null, name: body.username } });
    const user = await deps.auth.invitations.register(
      { code: body.invitation_code, username: body.username, password: body.password },
      deps.clientAddress(c),
    );
    noteAudit(c, {
      actor: { type: "user", id: user.id, name: user.username },
      targetType: "user",
      targetId: user.id,
      details: { role: user.role },
    });
    return c.json(userAccountView(user), 201);
  });

  app.delete("/api/invitations/:id", async (c) => {
    const { id } = validParams(c, IdParams);
    await deps.auth.invitations.revoke(id);
    return c.body(null, 204);
  });

  return app;
}
