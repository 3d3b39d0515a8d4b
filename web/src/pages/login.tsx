// Owns the sign-in page and the forced change of a password someone else chose (generated or admin-set).
import { useState } from "preact/hooks";
import { changePassword, registeredUsername, session, signIn } from "../state/session.js";

function useSubmit(action: () => Promise<void>) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (thrown) {
      setError((thrown as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

export function LoginPage() {
  const [username, setUsername] = useState(registeredUsername.value ?? "admin");
  const [password, setPassword] = useState("");
  const { error, busy, submit } = useSubmit(() => signIn(username, password));
  return (
    <main class="center">
      <form class="card auth" onSubmit={submit} aria-label="Sign in">
        <h1>llmlb</h1>
        {registeredUsername.value ? (
          <p class="ok-note" role="status">
            Account {registeredUsername.value} created. Sign in with your new password.
          </p>
        ) : (
          <p class="muted">Sign in to the dashboard.</p>
        )}
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <label class="field">
          <span>Username</span>
          <input
            name="username"
            autocomplete="username"
            value={username}
            required
            onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            required
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

export function ChangePasswordPage() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const { error, busy, submit } = useSubmit(async () => {
    if (next !== repeat) throw new Error("The new passwords do not match.");
    await changePassword(current, next);
  });
  return (
    <main class="center">
      <form class="card auth" onSubmit={submit} aria-label="Change password">
        <h1>Choose a password</h1>
        <p class="muted">
          {session.value?.username ?? "This account"} still uses a password someone else chose (generated, or
          set by an admin). Set your own to continue.
        </p>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <label class="field">
          <span>Current password</span>
          <input
            name="current_password"
            type="password"
            autocomplete="current-password"
            required
            value={current}
            onInput={(e) => setCurrent((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>New password</span>
          <input
            name="new_password"
            type="password"
            autocomplete="new-password"
            required
            value={next}
            onInput={(e) => setNext((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>Repeat new password</span>
          <input
            name="repeat_password"
            type="password"
            autocomplete="new-password"
            required
            value={repeat}
            onInput={(e) => setRepeat((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? "Saving…" : "Save password"}
        </button>
      </form>
    </main>
  );
}
