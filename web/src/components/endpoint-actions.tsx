// Owns one endpoint's action buttons: test, sync, edit, delete (delete asks for confirmation inline).
import { useState } from "preact/hooks";
import { deleteEndpoint, syncEndpoint, testEndpoint } from "../api/calls.js";
import { duration } from "../format.js";
import type { LiveEndpoint } from "../state/apply.js";
import { removeEndpoint } from "../state/model.js";
import { notify } from "./toast.js";

export function EndpointActions(props: {
  endpoint: LiveEndpoint;
  isAdmin: boolean;
  onEdit: (e: LiveEndpoint) => void;
}) {
  const { endpoint } = props;
  const [busy, setBusy] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  const run = async (name: string, action: () => Promise<string>) => {
    setBusy(name);
    try {
      notify(await action());
    } catch (error) {
      notify(`${endpoint.name}: ${(error as Error).message}`, "error");
    } finally {
      setBusy(null);
    }
  };

  const test = () =>
    run("test", async () => {
      const result = await testEndpoint(endpoint.id);
      if (!result.success) throw new Error(`test failed: ${result.error ?? "no answer"}`);
      const models = result.models_found === undefined ? "" : `, ${result.models_found} models`;
      return `${endpoint.name}: reachable in ${duration(result.latency_ms)}${models}`;
    });
  const sync = () =>
    run("sync", async () => {
      const r = await syncEndpoint(endpoint.id);
      return `${endpoint.name}: ${r.synced_models} models (+${r.added} −${r.removed})`;
    });
  const remove = () =>
    run("delete", async () => {
      await deleteEndpoint(endpoint.id);
      removeEndpoint(endpoint.id);
      setConfirming(false);
      return `${endpoint.name} deleted`;
    });

  if (!props.isAdmin) return null;
  if (confirming)
    return (
      <span class="confirm">
        Delete {endpoint.name}?{" "}
        <button type="button" class="danger" disabled={busy !== null} onClick={remove}>
          Delete
        </button>
        <button type="button" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </span>
    );
  return (
    <span class="row-actions">
      <button type="button" disabled={busy !== null} onClick={test}>
        {busy === "test" ? "Testing…" : "Test"}
      </button>
      <button type="button" disabled={busy !== null} onClick={sync}>
        {busy === "sync" ? "Syncing…" : "Sync"}
      </button>
      <button type="button" onClick={() => props.onEdit(endpoint)}>
        Edit
      </button>
      <button type="button" class="danger-outline" onClick={() => setConfirming(true)}>
        Delete
      </button>
    </span>
  );
}
