// Owns a key's limits in the keys table: today's usage against rate_limit_rpm / token_limit_daily, and
// editing them in place (empty = unlimited).
import { useState } from "preact/hooks";
import { type KeyScope, updateKey } from "../api/team-calls.js";
import type { ApiKey } from "../api/types.js";
import { compact } from "../format.js";
import { LimitInputs, limitValue } from "./key-create-form.js";
import { notify } from "./toast.js";

function Summary({ apiKey }: { apiKey: ApiKey }) {
  const used = apiKey.used_today;
  return (
    <span class="limits">
      <span>{apiKey.rate_limit_rpm === null ? "no request limit" : `${apiKey.rate_limit_rpm} req/min`}</span>
      <span>
        {apiKey.token_limit_daily === null
          ? `${compact(used.output_tokens)} tokens today`
          : `${compact(used.output_tokens)} / ${compact(apiKey.token_limit_daily)} tokens today`}
      </span>
    </span>
  );
}

export function KeyLimitsCell(props: { apiKey: ApiKey; scope: KeyScope; onSaved: () => void }) {
  const { apiKey } = props;
  const [editing, setEditing] = useState(false);
  const [rpm, setRpm] = useState("");
  const [tokens, setTokens] = useState("");
  const start = () => {
    setRpm(apiKey.rate_limit_rpm === null ? "" : String(apiKey.rate_limit_rpm));
    setTokens(apiKey.token_limit_daily === null ? "" : String(apiKey.token_limit_daily));
    setEditing(true);
  };
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      await updateKey(props.scope, apiKey.id, {
        rate_limit_rpm: limitValue(rpm),
        token_limit_daily: limitValue(tokens),
      });
      notify(`Limits of ${apiKey.name} saved`);
      setEditing(false);
      props.onSaved();
    } catch (error) {
      notify((error as Error).message, "error");
    }
  };
  if (!editing) {
    return (
      <div class="limits-cell">
        <Summary apiKey={apiKey} />
        <button
          type="button"
          class="link-button"
          onClick={start}
          aria-label={`Edit limits of ${apiKey.name}`}
        >
          Edit limits
        </button>
      </div>
    );
  }
  return (
    <form class="limits-form" onSubmit={save} aria-label={`Limits of ${apiKey.name}`}>
      <LimitInputs rpm={rpm} tokens={tokens} onRpm={setRpm} onTokens={setTokens} />
      <span class="row-actions">
        <button type="submit" class="primary">
          Save
        </button>
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </span>
    </form>
  );
}
