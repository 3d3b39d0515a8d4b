// Owns showing one benchmark run: status, progress bar, cancel, the per-endpoint results table and chart.
import type { BenchmarkRunJson } from "../api/types.js";
import { compact, DASH, duration, tps } from "../format.js";
import { BenchmarkChart } from "./benchmark-chart.js";

export function RunView({ run, onCancel }: { run: BenchmarkRunJson; onCancel: (() => void) | null }) {
  const { done, total } = run.progress;
  const share = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <section class="card" aria-label="Benchmark run">
      <header class="card-head">
        <h2>
          Run of {run.params.model} <span class={`run-status run-${run.status}`}>{run.status}</span>
        </h2>
        {run.status === "running" && onCancel && (
          <button type="button" class="danger" onClick={onCancel}>
            Cancel
          </button>
        )}
      </header>
      <div
        class="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-label="Progress"
      >
        <div class="progress-bar" style={{ width: `${share}%` }} />
      </div>
      <p class="muted small">
        {done} of {total} requests · {run.params.requests} per endpoint, {run.params.concurrency} at a time,
        max {run.params.max_tokens} tokens, {run.params.stream ? "streamed" : "not streamed"}
        {run.error ? ` · first error: ${run.error}` : ""}
      </p>
      <div class="table-wrap">
        <table class="stacked">
          <thead>
            <tr>
              <th>Endpoint</th>
              <th class="num">Requests</th>
              <th class="num">Errors</th>
              <th class="num">TTFT p50</th>
              <th class="num">TTFT p95</th>
              <th class="num">Decode</th>
              <th class="num">Throughput</th>
              <th class="num">Tokens</th>
            </tr>
          </thead>
          <tbody>
            {run.results.map((result) => (
              <tr key={result.endpoint_id}>
                <td data-label="Endpoint">{result.endpoint_name}</td>
                <td class="num" data-label="Requests">
                  {result.requests}
                </td>
                <td class="num" data-label="Errors">
                  {result.errors || DASH}
                </td>
                <td class="num" data-label="TTFT p50">
                  {duration(result.ttft_ms_p50)}
                </td>
                <td class="num" data-label="TTFT p95">
                  {duration(result.ttft_ms_p95)}
                </td>
                <td class="num" data-label="Decode">
                  {tps(result.decode_tps)}
                </td>
                <td class="num" data-label="Throughput">
                  {tps(result.tps)}
                </td>
                <td class="num" data-label="Tokens">
                  {compact(result.output_tokens)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {run.results.some((result) => result.tps !== null) && <BenchmarkChart results={run.results} />}
    </section>
  );
}
