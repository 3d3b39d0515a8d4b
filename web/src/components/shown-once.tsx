// Owns showing a secret the server returns exactly once (a new API key, an invitation link) with a copy button.
import { useState } from "preact/hooks";

export function ShownOnce(props: { label: string; secret: string; what: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied(true);
    } catch {
      // No clipboard (plain http on another host): the text stays selectable.
      setCopied(false);
    }
  };
  return (
    <div class="new-key" role="alert">
      <p>
        <strong>{props.label}</strong>: copy this {props.what} now — it will not be shown again.
      </p>
      <div class="key-row">
        <code class="mono" data-shown-once>
          {props.secret}
        </code>
        <button type="button" onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" onClick={props.onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
