// Owns the per-model speed table of one endpoint: measured rows from the model (live via TpsUpdated),
// plus the endpoint's other models as unmeasured rows.
import type { ModelLoad, ModelTps } from "../api/types.js";
import { compact, DASH, duration, tps } from "../format.js";

/** What routing learned under load, in one line: slots (or sharing), per-stream tok/s by in flight, load cost. */
export function loadSummary(load: ModelLoad | null | undefined): string {
  if (!load || load.curve.length === 0) return DASH;
  const parts: string[] = [];
  if (load.slots !== null) parts.push(load.slots <= 1 ? "shares its speed" : `≈${load.slots} slots`);
  const curve = load.curve.filter((point) => point.decode_tps !== null);
  if (curve.length > 0) {
    const inFlight = curve.map((point) => point.in_flight).join("/");
    const speeds = curve.map((point) => Math.round(point.decode_tps ?? 0)).join("/");
    parts.push(`${speeds} tok/s per stream at ${inFlight} in flight`);
  }
  if (load.load_ms !== null) parts.push(`load ${duration(load.load_ms)}`);
  if (load.loaded === false) parts.push("not loaded");
  return parts.length > 0 ? parts.join(" — ") : DASH;
}

export function ModelTpsTable({ rows, models }: { rows: ModelTps[]; models: string[] }) {
  const measured = new Set(rows.map((row) => row.model_id));
  const unmeasured = models.filter((model) => !measured.has(model)).sort();
  if (rows.length === 0 && unmeasured.length === 0)
    return <p class="empty">No models yet — sync the endpoint to list what it serves.</p>;
  const sorted = [...rows].sort(
    (a, b) => a.model_id.localeCompare(b.model_id) || a.api_kind.localeCompare(b.api_kind),
  );
  return (
    <div class="table-wrap">
      <table class="model-tps">
        <thead>
          <tr>
            <th>Model</th>
            <th class="num">TPS</th>
            <th class="num">Requests</th>
            <th class="num">Total output tokens</th>
            <th class="num">Avg duration</th>
            <th class="num">TTFT</th>
            <th title="Learned by routing: slots, per-stream tok/s at 1, 2, 4, 8… in flight, model load cost">
              Under load
            </th>
            <th>API kind</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr
              key={`${row.model_id}/${row.api_kind}`}
              data-model={row.model_id}
              data-api-kind={row.api_kind}
            >
              <td data-label="Model" class="mono">
                {row.model_id}
              </td>
              <td data-label="TPS" class="num strong" data-cell="tps">
                {tps(row.tps)}
              </td>
              <td data-label="Requests" class="num">
                {compact(row.request_count)}
              </td>
              <td data-label="Output tokens" class="num">
                {compact(row.total_output_tokens)}
              </td>
              <td data-label="Avg duration" class="num">
                {duration(row.average_duration_ms)}
              </td>
              <td data-label="TTFT" class="num">
                {duration(row.ttft_ms)}
              </td>
              <td data-label="Under load" class="small" data-cell="load">
                {loadSummary(row.load)}
              </td>
              <td data-label="API kind" class="small">
                {row.api_kind.replace("_", " ")}
              </td>
            </tr>
          ))}
          {unmeasured.map((model) => (
            <tr key={model} data-model={model} class="unmeasured">
              <td data-label="Model" class="mono">
                {model}
              </td>
              <td data-label="TPS" class="num" data-cell="tps" title="No successful request measured yet">
                {DASH}
              </td>
              <td data-label="Requests" class="num">
                0
              </td>
              <td data-label="Output tokens" class="num">
                {DASH}
              </td>
              <td data-label="Avg duration" class="num">
                {DASH}
              </td>
              <td data-label="TTFT" class="num">
                {DASH}
              </td>
              <td data-label="Under load" class="small" data-cell="load">
                {DASH}
              </td>
              <td data-label="API kind">{DASH}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
