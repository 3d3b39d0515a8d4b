// Owns the documented JSON shapes of the team routes (users, invitations, the audit log), tied at compile
// time to the types their builders return, like response-schemas.ts.
import * as v from "valibot";
import type { AuditEntryJson, AuditPageJson, AuditStatsJson } from "../audit/queries.js";
import type { AuditVerifyJson } from "../audit/store.js";
import type { CreatedInvitationJson, InvitationJson, InvitationListJson } from "../routes/invitations.js";
import type { UserAccountJson, UserListJson } from "../routes/users.js";
import { count, isoTime } from "./response-schemas.js";

const role = v.picklist(["admin", "viewer"]);

export const UserAccount = v.strictObject({
  id: v.string(),
  username: v.string(),
  role,
  disabled: v.boolean(),
  must_change_password: v.boolean(),
  created_at: isoTime,
  updated_at: isoTime,
  last_login_at: v.nullable(isoTime),
});
export const UserList = v.strictObject({ data: v.array(UserAccount) });

const invitationFields = {
  id: v.string(),
  role,
  status: v.picklist(["pending", "used", "expired", "revoked"]),
  created_by: v.nullable(v.string()),
  created_at: isoTime,
  expires_at: isoTime,
  used_at: v.nullable(isoTime),
  used_by: v.nullable(v.string()),
  used_by_username: v.nullable(v.string()),
  revoked_at: v.nullable(isoTime),
};
export const Invitation = v.strictObject(invitationFields);
export const InvitationList = v.strictObject({ data: v.array(Invitation) });
export const InvitationCreated = v.strictObject({
  ...invitationFields,
  code: v.pipe(v.string(), v.startsWith("inv_")),
});

export const AuditEntry = v.strictObject({
  id: count,
  time: isoTime,
  actor_type: v.string(),
  actor_id: v.nullable(v.string()),
  actor_name: v.nullable(v.string()),
  action: v.string(),
  target_type: v.nullable(v.string()),
  target_id: v.nullable(v.string()),
  client_ip: v.nullable(v.string()),
  outcome: v.string(),
  details: v.record(v.string(), v.unknown()),
  hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
});
export const AuditPage = v.strictObject({
  entries: v.array(AuditEntry),
  total: count,
  page: count,
  per_page: count,
});
export const AuditStats = v.strictObject({
  total: count,
  failures: count,
  last_24h: count,
  first_time: v.nullable(isoTime),
  last_time: v.nullable(isoTime),
  by_action: v.array(v.strictObject({ action: v.string(), count })),
  by_actor: v.array(v.strictObject({ actor_name: v.nullable(v.string()), actor_type: v.string(), count })),
});
export const AuditVerify = v.union([
  v.strictObject({ valid: v.literal(true), checked: count }),
  v.strictObject({
    valid: v.literal(false),
    first_bad_id: count,
    problem: v.picklist(["hash_mismatch", "prev_hash_mismatch", "missing_row"]),
    checked: count,
  }),
]);

/** Compile-time proof that what a builder returns is what the schema documents. */
type Conforms<Actual extends Documented, Documented> = [Actual, Documented];
type Doc<S extends v.GenericSchema> = v.InferOutput<S>;
export type TeamSchemaChecks = [
  Conforms<UserAccountJson, Doc<typeof UserAccount>>,
  Conforms<UserListJson, Doc<typeof UserList>>,
  Conforms<InvitationJson, Doc<typeof Invitation>>,
  Conforms<CreatedInvitationJson, Doc<typeof InvitationCreated>>,
  Conforms<InvitationListJson, Doc<typeof InvitationList>>,
  Conforms<AuditEntryJson, Doc<typeof AuditEntry>>,
  Conforms<AuditPageJson, Doc<typeof AuditPage>>,
  Conforms<AuditStatsJson, Doc<typeof AuditStats>>,
  Conforms<AuditVerifyJson, Doc<typeof AuditVerify>>,
];
