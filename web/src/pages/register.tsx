// Owns registration with an invitation link (/dashboard/register?code=…): the code, a username and a
// password create the account; the sign-in page follows.
import { useState } from "preact/hooks";
import { register } from "../api/team-calls.js";
import { linkTo, navigate } from "../router.js";
import { registeredUsername } from "../state/session.js";

function field(
  label: string,
  value: string,
  set: (value: string) => void,
  extra: Record<string, string> = {},
) {
  return (
    <label class="field">
      <span>{label}</span>
      <input required value={value} onInput={(e) => set((e.target as HTMLInputElement).value)} {...extra} />
    </label>
  );
}

export function RegisterPage() {
  const [code, setCode] = useState(new URLSearchParams(location.search).get("code") ?? "");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (password !== repeat) return setError("The passwords do not match.");
    setBusy(true);
    try {
      const user = await register({ invitation_code: code.trim(), username: username.trim(), password });
      registeredUsername.value = user.username;
      navigate("/", true);
    } catch (thrown) {
      setError((thrown as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="center">
      <form class="card auth" onSubmit={submit} aria-label="Register">
        <h1>Join llmlb</h1>
        <p class="muted">Create your account with the invitation you were sent.</p>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        {field("Invitation code", code, setCode, { name: "invitation_code", autocomplete: "off" })}
        {field("Username", username, setUsername, { name: "username", autocomplete: "username" })}
        {field("Password", password, setPassword, {
          name: "password",
          type: "password",
          autocomplete: "new-password",
        })}
        {field("Repeat password", repeat, setRepeat, {
          name: "repeat",
          type: "password",
          autocomplete: "new-password",
        })}
        <p class="muted small">At least 8 characters, at least 5 different ones, not the username.</p>
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? "Creating account…" : "Create account"}
        </button>
        <p class="small">
          <a {...linkTo("/")}>Already have an account? Sign in</a>
        </p>
      </form>
    </main>
  );
}
