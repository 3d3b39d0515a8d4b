// Owns one row of the users table: role, enabled state, password reset and deletion of one account.
import { useState } from "preact/hooks";
import { deleteUser, updateUser } from "../api/team-calls.js";
import type { UserAccountJson, UserUpdateInput } from "../api/types.js";
import { ago } from "../format.js";
import { epochMs } from "../state/apply.js";
import { notify } from "./toast.js";

function ResetPassword({ user, onDone }: { user: UserAccountJson; onDone: () => void }) {
  const [password, setPassword] = useState("");
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      await updateUser(user.id, { password });
      notify(`${user.username} must choose a new password at the next sign-in`);
      onDone();
    } catch (error) {
      notify((error as Error).message, "error");
    }
  };
  return (
    <form class="inline-form" onSubmit={save} aria-label={`New password for ${user.username}`}>
      <input
        type="password"
        autocomplete="new-password"
        required
        minLength={8}
        placeholder="temporary password"
        aria-label={`Temporary password for ${user.username}`}
        value={password}
        onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
      />
      <button type="submit" class="primary">
        Set
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}

type Mode = "idle" | "reset" | "delete";

function IdleActions(props: {
  user: UserAccountJson;
  change: (input: UserUpdateInput, done: string) => Promise<void>;
  setMode: (mode: Mode) => void;
}) {
  const { user, change, setMode } = props;
  return (
    <span class="row-actions">
      <button
        type="button"
        onClick={() =>
          void change(
            { disabled: !user.disabled },
            `${user.username} ${user.disabled ? "enabled" : "disabled; their sessions and keys ended"}`,
          )
        }
      >
        {user.disabled ? "Enable" : "Disable"}
      </button>
      <button type="button" onClick={() => setMode("reset")}>
        Reset password
      </button>
      <button type="button" class="danger-outline" onClick={() => setMode("delete")}>
        Delete
      </button>
    </span>
  );
}

export function UserRow(props: { user: UserAccountJson; isSelf: boolean; reload: () => void }) {
  const { user } = props;
  const [mode, setMode] = useState<Mode>("idle");
  const change = async (input: UserUpdateInput, done: string) => {
    try {
      await updateUser(user.id, input);
      notify(done);
      props.reload();
    } catch (error) {
      notify((error as Error).message, "error");
    }
  };
  const remove = async () => {
    try {
      await deleteUser(user.id);
      notify(`${user.username} deleted; their sessions and keys ended`);
      props.reload();
    } catch (error) {
      notify((error as Error).message, "error");
      setMode("idle");
    }
  };
  return (
    <tr class={user.disabled ? "unmeasured" : ""}>
      <td data-label="User" class="strong">
        {user.username}
        {props.isSelf && <span class="muted small"> (you)</span>}
      </td>
      <td data-label="Role">
        <select
          aria-label={`Role of ${user.username}`}
          value={user.role}
          onChange={(e) => {
            const role = (e.target as HTMLSelectElement).value as "admin" | "viewer";
            void change({ role }, `${user.username} is now ${role}`);
          }}
        >
          <option value="viewer">viewer</option>
          <option value="admin">admin</option>
        </select>
      </td>
      <td data-label="Status">
        <span class={`badge badge-${user.disabled ? "offline" : "online"}`}>
          {user.disabled ? "disabled" : "active"}
        </span>
        {user.must_change_password && <span class="muted small"> must change password</span>}
      </td>
      <td data-label="Last sign-in">{ago(epochMs(user.last_login_at))}</td>
      <td class="actions">
        {mode === "reset" && <ResetPassword user={user} onDone={() => setMode("idle")} />}
        {mode === "delete" && (
          <span class="confirm">
            <button type="button" class="danger" onClick={() => void remove()}>
              Delete {user.username}
            </button>
            <button type="button" onClick={() => setMode("idle")}>
              Cancel
            </button>
          </span>
        )}
        {mode === "idle" && <IdleActions user={user} change={change} setMode={setMode} />}
      </td>
    </tr>
  );
}
