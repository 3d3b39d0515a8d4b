// Owns API key management (admin): create (the key is shown once, with a copy button), list, delete.
import { useEffect, useState } from "preact/hooks";
import { createApiKey, deleteApiKey, fetchApiKeys } from "../api/calls.js";
import type { ApiKey, CreatedApiKeyJson as CreatedKey, Permission } from "../api/types.js";
import { notify } from "../components/toast.js";
import { ago, DASH } from "../format.js";
import { epochMs } from "../state/apply.js";

/** Every permission a key can hold, in display order (the record fails to typecheck if the server's list changes). */
const PERMISSION_ORDER: Record<Permission, number> = {
  "openai.inference": 0,
  "openai.models.read": 1,
  "endpoints.read": 2,
  "endpoints.manage": 3,
  "metrics.read": 4,
};
const PERMISSIONS = (Object.keys(PERMISSION_ORDER) as Permission[]).sort(
  (a, b) => PERMISSION_ORDER[a] - PERMISSION_ORDER[b],
);

function NewKey({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(created.key);
    setCopied(true);
  };
  return (
    <div class="new-key" role="alert">
      <p>
        <strong>{created.name}</strong>: copy this key now — it will not be shown again.
      </p>
      <div class="key-row">
        <code class="mono" data-new-key>
          {created.key}
        </code>
        <button type="button" onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function CreateForm({ onCreated }: { onCreated: (key: CreatedKey) => void }) {
  const [name, setName] = useState("");
  const [permissions, setPermissions] = useState<Permission[]>(["openai.inference", "openai.models.read"]);
  const [expires, setExpires] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const expiresAt = expires ? new Date(`${expires}T23:59:59`).toISOString() : null;
      onCreated(await createApiKey({ name: name.trim(), permissions, expires_at: expiresAt }));
      setName("");
      setError(null);
    } catch (thrown) {
      setError((thrown as Error).message);
    }
  };
  const toggle = (permission: Permission) =>
    setPermissions(
      permissions.includes(permission)
        ? permissions.filter((p) => p !== permission)
        : [...permissions, permission],
    );
  return (
    <form class="key-form" onSubmit={submit} aria-label="Create API key">
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <label class="field">
        <span>Name</span>
        <input
          name="key_name"
          required
          placeholder="ci-runner"
          value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
      </label>
      <fieldset class="permissions">
        <legend>Permissions</legend>
        {PERMISSIONS.map((permission) => (
          <label key={permission} class="check">
            <input
              type="checkbox"
              checked={permissions.includes(permission)}
              onChange={() => toggle(permission)}
            />
            <span class="mono">{permission}</span>
          </label>
        ))}
      </fieldset>
      <label class="field">
        <span>Expires (optional)</span>
        <input
          type="date"
          value={expires}
          onInput={(e) => setExpires((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" class="primary" disabled={permissions.length === 0}>
        Create key
      </button>
    </form>
  );
}

export function ApiKeysPage() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const reload = () =>
    fetchApiKeys()
      .then(setKeys)
      .catch((e: Error) => notify(e.message, "error"));
  useEffect(() => void reload(), []);

  const remove = async (key: ApiKey) => {
    try {
      await deleteApiKey(key.id);
      notify(`Key ${key.name} deleted`);
      setConfirming(null);
      await reload();
    } catch (error) {
      notify((error as Error).message, "error");
    }
  };

  return (
    <main class="page">
      <section class="card">
        <header class="card-head">
          <h2>API keys</h2>
        </header>
        {created && <NewKey created={created} onDone={() => setCreated(null)} />}
        <CreateForm
          onCreated={(key) => {
            setCreated(key);
            void reload();
          }}
        />
      </section>
      <section class="card">
        {keys && keys.length === 0 && (
          <p class="empty">No API keys yet — create one above for each client that calls /v1.</p>
        )}
        {keys && keys.length > 0 && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Key</th>
                  <th>Permissions</th>
                  <th>Last used</th>
                  <th>Expires</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {keys.map((key) => (
                  <tr key={key.id}>
                    <td data-label="Name" class="strong">
                      {key.name}
                    </td>
                    <td data-label="Key" class="mono">
                      {key.key_prefix}…
                    </td>
                    <td data-label="Permissions">
                      {key.permissions.map((p) => (
                        <span key={p} class="chip">
                          {p}
                        </span>
                      ))}
                    </td>
                    <td data-label="Last used">{ago(epochMs(key.last_used_at))}</td>
                    <td data-label="Expires">
                      {key.expires_at ? new Date(key.expires_at).toLocaleDateString() : DASH}
                    </td>
                    <td class="actions">
                      {confirming === key.id ? (
                        <span class="confirm">
                          <button type="button" class="danger" onClick={() => remove(key)}>
                            Delete
                          </button>
                          <button type="button" onClick={() => setConfirming(null)}>
                            Cancel
                          </button>
                        </span>
                      ) : (
                        <button type="button" class="danger-outline" onClick={() => setConfirming(key.id)}>
                          Delete
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
    </main>
  );
}
