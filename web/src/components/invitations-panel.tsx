// Owns invitations on the Users page: create one (its registration link is shown once), list them with
// their status, revoke a pending one.
import { useEffect, useState } from "preact/hooks";
import { createInvitation, fetchInvitations, revokeInvitation } from "../api/team-calls.js";
import type { CreatedInvitationJson, InvitationJson } from "../api/types.js";
import { DASH } from "../format.js";
import { ShownOnce } from "./shown-once.js";
import { notify } from "./toast.js";

const STATUS_BADGE: Record<InvitationJson["status"], string> = {
  pending: "online",
  used: "pending",
  expired: "error",
  revoked: "offline",
};

/** The dashboard's registration page with the code filled in. */
export function registrationLink(code: string): string {
  return `${location.origin}/dashboard/register?code=${encodeURIComponent(code)}`;
}

function CreateInvitation({ onCreated }: { onCreated: (created: CreatedInvitationJson) => void }) {
  const [role, setRole] = useState<"viewer" | "admin">("viewer");
  const [hours, setHours] = useState("72");
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      onCreated(await createInvitation({ role, expires_in_hours: Number(hours) }));
    } catch (error) {
      notify((error as Error).message, "error");
    }
  };
  return (
    <form class="filters" onSubmit={submit} aria-label="Create invitation">
      <select
        aria-label="Invitation role"
        value={role}
        onChange={(e) => setRole((e.target as HTMLSelectElement).value as "viewer")}
      >
        <option value="viewer">viewer</option>
        <option value="admin">admin</option>
      </select>
      <label class="check">
        <span>valid for</span>
        <input
          type="number"
          min="1"
          max="2160"
          class="narrow"
          aria-label="Valid for hours"
          value={hours}
          onInput={(e) => setHours((e.target as HTMLInputElement).value)}
        />
        <span>hours</span>
      </label>
      <button type="submit" class="primary">
        Create invitation
      </button>
    </form>
  );
}

export function InvitationsPanel() {
  const [invitations, setInvitations] = useState<InvitationJson[] | null>(null);
  const [created, setCreated] = useState<CreatedInvitationJson | null>(null);
  const reload = () =>
    void fetchInvitations()
      .then(setInvitations)
      .catch((e: Error) => notify(e.message, "error"));
  useEffect(reload, []);
  const revoke = async (invitation: InvitationJson) => {
    try {
      await revokeInvitation(invitation.id);
      notify("Invitation revoked");
      reload();
    } catch (error) {
      notify((error as Error).message, "error");
    }
  };
  return (
    <section class="card">
      <header class="card-head">
        <h2>Invitations</h2>
        <span class="muted small">A link registers one account with the chosen role.</span>
      </header>
      {created && (
        <ShownOnce
          label={`${created.role} invitation`}
          secret={registrationLink(created.code)}
          what="registration link"
          onDone={() => setCreated(null)}
        />
      )}
      <CreateInvitation
        onCreated={(invitation) => {
          setCreated(invitation);
          reload();
        }}
      />
      {invitations && invitations.length === 0 && <p class="empty">No invitations yet.</p>}
      {invitations && invitations.length > 0 && (
        <div class="table-wrap">
          <table class="stacked">
            <thead>
              <tr>
                <th>Role</th>
                <th>Status</th>
                <th>Created by</th>
                <th>Expires</th>
                <th>Used by</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {invitations.map((invitation) => (
                <tr key={invitation.id}>
                  <td data-label="Role">{invitation.role}</td>
                  <td data-label="Status">
                    <span class={`badge badge-${STATUS_BADGE[invitation.status]}`}>{invitation.status}</span>
                  </td>
                  <td data-label="Created by">{invitation.created_by ?? DASH}</td>
                  <td data-label="Expires">{new Date(invitation.expires_at).toLocaleString()}</td>
                  <td data-label="Used by">{invitation.used_by_username ?? DASH}</td>
                  <td class="actions">
                    {invitation.status === "pending" && (
                      <button type="button" class="danger-outline" onClick={() => void revoke(invitation)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
