// Owns the request history: paged from the API with filters; on page 1, requests completed since the
// page was fetched arrive live at the top.
import { useEffect, useState } from "preact/hooks";
import { fetchRequests, type RequestFilters } from "../api/calls.js";
import type { RequestPage, RequestRecord } from "../api/types.js";
import { clockTime, compact, DASH, duration } from "../format.js";
import { toEpochMs } from "../state/apply.js";
import { liveRequests, overview, resyncs } from "../state/model.js";

const PER_PAGE = [10, 25, 50, 100];
const finishedAt = (r: RequestRecord) => r.finished_at ?? toEpochMs(r.created_at ?? r.timestamp ?? null);

function matches(record: RequestRecord, filters: RequestFilters): boolean {
  return (
    (!filters.model || record.model === filters.model) &&
    (!filters.endpoint_id || record.endpoint_id === filters.endpoint_id) &&
    (!filters.status || record.status === filters.status)
  );
}

function Tokens({ record }: { record: RequestRecord }) {
  const estimated = record.tokens_estimated ?? record.estimated ?? false;
  return (
    <span title={estimated ? "Estimated from the text: the server reported no usage" : undefined}>
      {estimated && <span class="estimated">≈</span>}
      {compact(record.input_tokens)} → {compact(record.output_tokens)}
      {estimated && <span class="muted small"> est.</span>}
    </span>
  );
}

export function RequestsPage() {
  const [filters, setFilters] = useState<RequestFilters>({ page: 1, per_page: 25 });
  const [page, setPage] = useState<RequestPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const resync = resyncs.value;

  useEffect(() => {
    fetchRequests(filters)
      .then((loaded) => {
        setPage(loaded);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, [filters, resync]);

  const set = (change: Partial<RequestFilters>) => setFilters({ ...filters, page: 1, ...change });
  // Live rows newer than the newest fetched one are not in the page yet (request ids also deduplicate).
  const newestFetched = Math.max(
    Number.NEGATIVE_INFINITY,
    ...(page?.records ?? []).map((r) => finishedAt(r) ?? 0),
  );
  const fresh =
    filters.page === 1 && page
      ? liveRequests.value.filter((r) => (finishedAt(r) ?? 0) > newestFetched && matches(r, filters))
      : [];
  const seen = new Set(fresh.map((r) => r.request_id));
  const rows = [...fresh, ...(page?.records ?? []).filter((r) => !r.request_id || !seen.has(r.request_id))];
  const pages = page ? Math.max(1, Math.ceil(page.total_count / page.per_page)) : 1;

  return (
    <main class="page">
      <section class="card">
        <header class="card-head">
          <h2>Request history</h2>
          <span class="muted">{page ? `${compact(page.total_count + fresh.length)} requests` : ""}</span>
        </header>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <input
            placeholder="Model"
            aria-label="Model"
            value={filters.model ?? ""}
            onChange={(e) => set({ model: (e.target as HTMLInputElement).value })}
          />
          <select
            aria-label="Endpoint"
            value={filters.endpoint_id ?? ""}
            onChange={(e) => set({ endpoint_id: (e.target as HTMLSelectElement).value })}
          >
            <option value="">All endpoints</option>
            {overview.value?.endpoints.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
          <select
            aria-label="Status"
            value={filters.status ?? ""}
            onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })}
          >
            <option value="">Any status</option>
            <option value="success">Success</option>
            <option value="error">Error</option>
          </select>
          <select
            aria-label="Per page"
            value={filters.per_page}
            onChange={(e) => set({ per_page: Number((e.target as HTMLSelectElement).value) })}
          >
            {PER_PAGE.map((n) => (
              <option key={n} value={n}>
                {n} per page
              </option>
            ))}
          </select>
        </form>
        {error && <p class="form-error">{error}</p>}
        {page && rows.length === 0 && (
          <p class="empty">No requests match — send one to /v1/chat/completions, or clear the filters.</p>
        )}
        {rows.length > 0 && (
          <div class="table-wrap">
            <table class="requests">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Endpoint</th>
                  <th>Model</th>
                  <th>Kind</th>
                  <th>Status</th>
                  <th class="num">Duration</th>
                  <th class="num">TTFT</th>
                  <th class="num">Tokens in → out</th>
                  <th>Client</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={r.request_id ?? r.id ?? i} class={i < fresh.length ? "fresh" : ""}>
                    <td data-label="Time">{clockTime(finishedAt(r))}</td>
                    <td data-label="Endpoint">{r.endpoint_name ?? DASH}</td>
                    <td data-label="Model" class="mono">
                      {r.model}
                    </td>
                    <td data-label="Kind">{r.api_kind}</td>
                    <td data-label="Status">
                      <span
                        class={`badge badge-${r.status === "success" ? "online" : "error"}`}
                        title={r.error ?? undefined}
                      >
                        {r.status_code ? `${r.status_code}` : r.status}
                      </span>
                      {r.error && <div class="small bad">{r.error}</div>}
                    </td>
                    <td data-label="Duration" class="num">
                      {duration(r.duration_ms)}
                    </td>
                    <td data-label="TTFT" class="num">
                      {duration(r.ttft_ms)}
                    </td>
                    <td data-label="Tokens" class="num">
                      <Tokens record={r} />
                    </td>
                    <td data-label="Client" class="mono small">
                      {r.client_ip ?? DASH}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav class="pager" aria-label="Pages">
          <button
            type="button"
            disabled={filters.page <= 1}
            onClick={() => setFilters({ ...filters, page: filters.page - 1 })}
          >
            ← Newer
          </button>
          <span class="muted">
            Page {filters.page} of {pages}
          </span>
          <button
            type="button"
            disabled={filters.page >= pages}
            onClick={() => setFilters({ ...filters, page: filters.page + 1 })}
          >
            Older →
          </button>
        </nav>
      </section>
    </main>
  );
}
