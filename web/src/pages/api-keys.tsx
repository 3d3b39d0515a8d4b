// Owns the keys pages: "API keys" (admin: every key with its owner) and "My keys" (every user's own). A key
// is shown once at creation with a copy button; limits are visible and editable in the table.
import { useEffect, useState } from "preact/hooks";
import { deleteKey, fetchKeys, type KeyScope } from "../api/team-calls.js";
import type { ApiKey, CreatedApiKeyJson } from "../api/types.js";
import { ALL_PERMISSIONS, KeyCreateForm, VIEWER_PERMISSIONS } from "../components/key-create-form.js";
import { KeyLimitsCell } from "../components/key-limits-cell.js";
import { ShownOnce } from "../components/shown-once.js";
import { notify } from "../components/toast.js";
import { ago, DASH } from "../format.js";
import { epochMs } from "../state/apply.js";

function DeleteButton({ onDelete }: { onDelete: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" class="danger-outline" onClick={() => setConfirming(true)}>
        Delete
      </button>
    );
  }
  return (
    <span class="confirm">
      <button type="button" class="danger" onClick={() => void onDelete()}>
        Delete
      </button>
      <button type="button" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </span>
  );
}

function KeysTable(props: { keys: ApiKey[]; scope: KeyScope; reload: () => void }) {
  const remove = async (key: ApiKey) => {
    try {
      await deleteKey(props.scope, key.id);
      notify(`Key ${key.name} deleted`);
      props.reload();
    } catch (error) {
      notify((error as Error).message, "error");
    }
  };
  return (
    <div class="table-wrap">
      <table class="stacked">
        <thead>
          <tr>
            <th>Name</th>
            {props.scope === "all" && <th>Owner</th>}
            <th>Key</th>
            <th>Permissions</th>
            <th>Priority</th>
            <th>Limits</th>
            <th>Last used</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.keys.map((key) => (
            <tr key={key.id}>
              <td data-label="Name" class="strong">
                {key.name}
              </td>
              {props.scope === "all" && <td data-label="Owner">{key.owner ?? DASH}</td>}
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
              <td data-label="Priority" data-cell="priority">
                {key.priority}
              </td>
              <td data-label="Limits">
                <KeyLimitsCell apiKey={key} scope={props.scope} onSaved={props.reload} />
              </td>
              <td data-label="Last used">{ago(epochMs(key.last_used_at))}</td>
              <td data-label="Expires">
                {key.expires_at ? new Date(key.expires_at).toLocaleDateString() : DASH}
              </td>
              <td class="actions">
                <DeleteButton onDelete={() => remove(key)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ApiKeysPage({ scope, isAdmin }: { scope: KeyScope; isAdmin: boolean }) {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [created, setCreated] = useState<CreatedApiKeyJson | null>(null);
  const reload = () =>
    void fetchKeys(scope)
      .then(setKeys)
      .catch((e: Error) => notify(e.message, "error"));
  useEffect(() => {
    setCreated(null);
    reload();
  }, [scope]);
  return (
    <main class="page">
      <section class="card">
        <header class="card-head">
          <h2>{scope === "all" ? "API keys" : "My API keys"}</h2>
          {scope === "all" && <span class="muted small">Every user's keys; limits apply per key.</span>}
        </header>
        {created && (
          <ShownOnce label={created.name} secret={created.key} what="key" onDone={() => setCreated(null)} />
        )}
        <KeyCreateForm
          scope={scope}
          grantable={isAdmin ? ALL_PERMISSIONS : VIEWER_PERMISSIONS}
          onCreated={(key) => {
            setCreated(key);
            reload();
          }}
        />
      </section>
      <section class="card">
        {keys && keys.length === 0 && (
          <p class="empty">No API keys yet — create one above for each client that calls /v1.</p>
        )}
        {keys && keys.length > 0 && <KeysTable keys={keys} scope={scope} reload={reload} />}
      </section>
    </main>
  );
}
