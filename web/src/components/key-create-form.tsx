// Owns the form that creates an API key: name, the permissions the caller may grant, optional limits
// (requests per minute, output tokens per UTC day) and expiry.
import { useState } from "preact/hooks";
import { createKey, type KeyScope } from "../api/team-calls.js";
import type { CreatedApiKeyJson, KeyPriority, Permission } from "../api/types.js";

/** Every permission a key can hold, in display order (the record fails to typecheck if the server's list changes). */
const PERMISSION_ORDER: Record<Permission, number> = {
  "openai.inference": 0,
  "openai.models.read": 1,
  "endpoints.read": 2,
  "endpoints.manage": 3,
  "metrics.read": 4,
};
export const ALL_PERMISSIONS = (Object.keys(PERMISSION_ORDER) as Permission[]).sort(
  (a, b) => PERMISSION_ORDER[a] - PERMISSION_ORDER[b],
);
/** What a viewer's keys may hold (the server answers 403 for anything else). */
export const VIEWER_PERMISSIONS: Permission[] = ["openai.inference", "openai.models.read"];

/** Queue order when every endpoint is busy (the server's PRIORITIES). */
const PRIORITY_OPTIONS: { value: KeyPriority; label: string }[] = [
  { value: "interactive", label: "interactive (served first)" },
  { value: "batch", label: "batch (after interactive keys)" },
];

function PrioritySelect(props: { value: KeyPriority; onChange: (value: KeyPriority) => void }) {
  return (
    <label class="field">
      <span>Queue priority</span>
      <select
        name="priority"
        value={props.value}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value as KeyPriority)}
      >
        {PRIORITY_OPTIONS.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "" → null (unlimited); otherwise the whole number typed. */
export function limitValue(text: string): number | null {
  return text.trim() === "" ? null : Number(text);
}

/** One limit: a whole number ≥ 1, or empty for unlimited. */
function LimitInput(props: { label: string; value: string; onChange: (value: string) => void }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        type="number"
        min="1"
        step="1"
        inputMode="numeric"
        placeholder="unlimited"
        value={props.value}
        onInput={(e) => props.onChange((e.target as HTMLInputElement).value)}
      />
    </label>
  );
}

export function LimitInputs(props: {
  rpm: string;
  tokens: string;
  onRpm: (value: string) => void;
  onTokens: (value: string) => void;
}) {
  return (
    <div class="limit-inputs">
      <LimitInput label="Requests / minute" value={props.rpm} onChange={props.onRpm} />
      <LimitInput label="Output tokens / day (UTC)" value={props.tokens} onChange={props.onTokens} />
    </div>
  );
}

function PermissionChecks(props: {
  grantable: Permission[];
  chosen: Permission[];
  onChange: (chosen: Permission[]) => void;
}) {
  const toggle = (permission: Permission) =>
    props.onChange(
      props.chosen.includes(permission)
        ? props.chosen.filter((p) => p !== permission)
        : [...props.chosen, permission],
    );
  return (
    <fieldset class="permissions">
      <legend>Permissions</legend>
      {props.grantable.map((permission) => (
        <label key={permission} class="check">
          <input
            type="checkbox"
            checked={props.chosen.includes(permission)}
            onChange={() => toggle(permission)}
          />
          <span class="mono">{permission}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function KeyCreateForm(props: {
  scope: KeyScope;
  grantable: Permission[];
  onCreated: (key: CreatedApiKeyJson) => void;
}) {
  const [name, setName] = useState("");
  const [permissions, setPermissions] = useState<Permission[]>(["openai.inference", "openai.models.read"]);
  const [rpm, setRpm] = useState("");
  const [tokens, setTokens] = useState("");
  const [expires, setExpires] = useState("");
  const [priority, setPriority] = useState<KeyPriority>("interactive");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const expiresAt = expires ? new Date(`${expires}T23:59:59`).toISOString() : null;
      const created = await createKey(props.scope, {
        name: name.trim(),
        permissions,
        expires_at: expiresAt,
        priority,
        rate_limit_rpm: limitValue(rpm),
        token_limit_daily: limitValue(tokens),
      });
      props.onCreated(created);
      setName("");
      setRpm("");
      setTokens("");
      setExpires("");
      setError(null);
    } catch (thrown) {
      setError((thrown as Error).message);
    }
  };
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
      <PermissionChecks grantable={props.grantable} chosen={permissions} onChange={setPermissions} />
      <LimitInputs rpm={rpm} tokens={tokens} onRpm={setRpm} onTokens={setTokens} />
      <label class="field">
        <span>Expires (optional)</span>
        <input
          type="date"
          value={expires}
          onInput={(e) => setExpires((e.target as HTMLInputElement).value)}
        />
      </label>
      <PrioritySelect value={priority} onChange={setPriority} />
      <button type="submit" class="primary" disabled={permissions.length === 0}>
        Create key
      </button>
    </form>
  );
}
