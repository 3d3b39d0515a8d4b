// Owns the per-model speed table of one endpoint: measured rows from the model (live via TpsUpdated),
// plus the endpoint's other models as unmeasured rows.
import type { ModelTps } from "../api/types.js";
import { compact, DASH, duration, tps } from "../format.js";

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
              <td data-label="API kind">{DASH}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
