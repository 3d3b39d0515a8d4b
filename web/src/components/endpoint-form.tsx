// Owns the add / edit endpoint form; the API validates, and its message is shown next to the field it names.
import { useState } from "preact/hooks";
import { createEndpoint, updateEndpoint } from "../api/calls.js";
import { ApiError } from "../api/http.js";
import type { EndpointCreateInput, EndpointJson, EndpointUpdateInput } from "../api/types.js";
import type { LiveEndpoint } from "../state/apply.js";
import { upsertEndpoint } from "../state/model.js";
import { Overlay } from "./overlay.js";
import { notify } from "./toast.js";

type EndpointType = EndpointJson["endpoint_type"];
const TYPES: EndpointType[] = [
  "xllm",
  "ollama",
  "vllm",
  "lm_studio",
  "llamacpp",
  "openai_compatible",
  "openai",
  "anthropic",
  "google",
];
/** Cloud types need a key; their base URL defaults to the provider's API. */
const CLOUD: EndpointType[] = ["openai", "anthropic", "google"];

type Fields = Record<
  | "name"
  | "base_url"
  | "api_key"
  | "endpoint_type"
  | "health_check_interval_secs"
  | "inference_timeout_secs"
  | "max_concurrency"
  | "notes",
  string
>;

function initial(endpoint: LiveEndpoint | null): Fields {
  const text = (value: unknown) => (value === null || value === undefined ? "" : String(value));
  return {
    name: text(endpoint?.name),
    base_url: text(endpoint?.base_url),
    api_key: "",
    endpoint_type: endpoint ? endpoint.endpoint_type : "",
    health_check_interval_secs: text(endpoint?.health_check_interval_secs),
    inference_timeout_secs: text(endpoint?.inference_timeout_secs),
    max_concurrency: text(endpoint?.max_concurrency),
    notes: text(endpoint?.notes),
  };
}

/** Only what the user filled in (and, when editing, what changed); numbers as numbers. */
function inputFrom(fields: Fields, before: Fields, editing: boolean): EndpointUpdateInput {
  const input: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields) as [keyof Fields, string][]) {
    if (editing && value === before[name]) continue;
    if (value.trim() === "" && !editing) continue;
    const numeric = name.endsWith("_secs") || name === "max_concurrency";
    input[name] = numeric ? (value.trim() === "" ? null : Number(value)) : value.trim();
  }
  return input as EndpointUpdateInput;
}

export function EndpointForm({ endpoint, onClose }: { endpoint: LiveEndpoint | null; onClose: () => void }) {
  const before = initial(endpoint);
  const [fields, setFields] = useState(before);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const editing = endpoint !== null;
  const cloud = (CLOUD as string[]).includes(fields.endpoint_type);

  const submit = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const input = inputFrom(fields, before, editing);
      const saved = editing
        ? await updateEndpoint(endpoint.id, input)
        : await createEndpoint(input as EndpointCreateInput); // the form requires name and URL
      upsertEndpoint(saved);
      notify(
        editing
          ? `${saved.name ?? fields.name} saved`
          : `${saved.name ?? fields.name} added (${saved.status})`,
      );
      onClose();
    } catch (thrown) {
      setError(thrown instanceof ApiError ? thrown : new ApiError(0, (thrown as Error).message));
    } finally {
      setSaving(false);
    }
  };

  const field = (name: keyof Fields, label: string, props: Record<string, unknown> = {}) => (
    <label class="field">
      <span>{label}</span>
      <input
        name={name}
        value={fields[name]}
        aria-invalid={error?.param === name}
        onInput={(e) => setFields({ ...fields, [name]: (e.target as HTMLInputElement).value })}
        {...props}
      />
      {error?.param === name && (
        <span class="field-error" role="alert">
          {error.message}
        </span>
      )}
    </label>
  );

  return (
    <Overlay kind="modal" onClose={onClose}>
      <form class="modal card" onSubmit={submit} aria-label={editing ? "Edit endpoint" : "Add endpoint"}>
        <h2>{editing ? `Edit ${endpoint.name}` : "Add endpoint"}</h2>
        {error && !error.param && (
          <p class="form-error" role="alert">
            {error.message}
          </p>
        )}
        {field("name", "Name", { required: !editing, placeholder: "gpu-box-1" })}
        {field("base_url", cloud ? "Base URL (optional: the provider's API)" : "Base URL", {
          required: !editing && !cloud,
          placeholder: cloud ? "" : "http://10.0.0.5:11434",
        })}
        {field(
          "api_key",
          editing ? "API key (leave empty to keep)" : cloud ? "API key" : "API key (optional)",
          {
            required: !editing && cloud,
            type: "password",
            autocomplete: "off",
          },
        )}
        <label class="field">
          <span>Type</span>
          <select
            name="endpoint_type"
            value={fields.endpoint_type}
            onChange={(e) => setFields({ ...fields, endpoint_type: (e.target as HTMLSelectElement).value })}
          >
            {!editing && <option value="">Detect automatically</option>}
            {TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
          {error?.param === "endpoint_type" && (
            <span class="field-error" role="alert">
              {error.message}
            </span>
          )}
        </label>
        <div class="field-row">
          {field("health_check_interval_secs", "Health check (s)", {
            inputMode: "numeric",
            placeholder: "30",
          })}
          {field("inference_timeout_secs", "Timeout (s)", { inputMode: "numeric", placeholder: "120" })}
          {field("max_concurrency", "Max concurrency", { inputMode: "numeric", placeholder: "no cap" })}
        </div>
        {field("notes", "Notes")}
        <div class="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={saving}>
            {saving ? "Saving…" : editing ? "Save" : "Add endpoint"}
          </button>
        </div>
      </form>
    </Overlay>
  );
}
