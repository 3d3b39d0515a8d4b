// Owns the Users page (admin): every account with its role and state, creating one, and invitations.
import { useEffect, useState } from "preact/hooks";
import { createUser, fetchUsers } from "../api/team-calls.js";
import type { UserAccountJson } from "../api/types.js";
import { InvitationsPanel } from "../components/invitations-panel.js";
import { notify } from "../components/toast.js";
import { UserRow } from "../components/user-row.js";
import { session } from "../state/session.js";

function CreateUserForm({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<"viewer" | "admin">("viewer");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const user = await createUser({ username: username.trim(), password, role });
      notify(`${user.username} created; they choose their own password at the first sign-in`);
      setUsername("");
      setPassword("");
      setError(null);
      onCreated();
    } catch (thrown) {
      setError((thrown as Error).message);
    }
  };
  return (
    <form class="key-form" onSubmit={submit} aria-label="Create user">
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="field-row">
        <label class="field">
          <span>Username</span>
          <input
            name="new_username"
            required
            autocomplete="off"
            value={username}
            onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>Temporary password</span>
          <input
            name="new_user_password"
            type="password"
            autocomplete="new-password"
            required
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as "viewer")}>
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </select>
        </label>
      </div>
      <button type="submit" class="primary">
        Create user
      </button>
    </form>
  );
}

export function UsersPage() {
  const [users, setUsers] = useState<UserAccountJson[] | null>(null);
  const reload = () =>
    void fetchUsers()
      .then(setUsers)
      .catch((e: Error) => notify(e.message, "error"));
  useEffect(reload, []);
  const selfId = session.value?.id;
  return (
    <main class="page">
      <section class="card">
        <header class="card-head">
          <h2>Users</h2>
          <span class="muted small">
            Disabling or deleting a user ends their sessions and API keys at once.
          </span>
        </header>
        <CreateUserForm onCreated={reload} />
        {users && (
          <div class="table-wrap">
            <table class="stacked">
              <thead>
                <tr>
                  <th>User</th>
                  <th>Role</th>
                  <th>Status</th>
                  <th>Last sign-in</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {users.map((user) => (
                  <UserRow key={user.id} user={user} isSelf={user.id === selfId} reload={reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <InvitationsPanel />
    </main>
  );
}
