// Owns the request history: paged from the API with filters; on page 1, requests completed since the
// page was fetched arrive live at the top. A row opens its detail drawer; export downloads the filtered log.
import { useEffect, useState } from "preact/hooks";
import { exportUrl, fetchRequests, type RequestFilters } from "../api/calls.js";
import type { RequestResponsesPage } from "../api/types.js";
import { RequestDrawer } from "../components/request-drawer.js";
import { clockTime, compact, DASH, duration } from "../format.js";
import { epochMs, type RequestRow } from "../state/apply.js";
import { liveRequests, overview, resyncs } from "../state/model.js";

const PER_PAGE = [10, 25, 50, 100];
const finishedAt = (r: RequestRow) => epochMs(r.timestamp);

function matches(record: RequestRow, filters: RequestFilters): boolean {
  return (
    (!filters.model || record.model === filters.model) &&
    (!filters.endpoint_id || record.endpoint_id === filters.endpoint_id) &&
    (!filters.status || record.status === filters.status)
  );
}

function Tokens({ record }: { record: RequestRow }) {
  const estimated = record.tokens_estimated;
  return (
    <span title={estimated ? "Estimated from the text: the server reported no usage" : undefined}>
      {estimated && <span class="estimated">≈</span>}
      {compact(record.input_tokens)} → {compact(record.output_tokens)}
      {estimated && <span class="muted small"> est.</span>}
    </span>
  );
}

function Filters({
  filters,
  set,
}: {
  filters: RequestFilters;
  set: (change: Partial<RequestFilters>) => void;
}) {
  return (
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
  );
}

function RequestsTable(props: { rows: RequestRow[]; fresh: number; open: (id: number) => void }) {
  const { rows, fresh, open } = props;
  return (
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
            <tr key={r.request_id} class={i < fresh ? "fresh" : ""}>
              <td data-label="Time">
                {r.id === undefined ? (
                  <span title="Saved within a second; refresh to open it">{clockTime(finishedAt(r))}</span>
                ) : (
                  <button
                    type="button"
                    class="link"
                    data-open-request={r.id}
                    onClick={() => open(r.id as number)}
                  >
                    {clockTime(finishedAt(r))}
                  </button>
                )}
              </td>
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
  );
}

function Pager(props: {
  filters: RequestFilters;
  pages: number;
  setFilters: (filters: RequestFilters) => void;
}) {
  const { filters, pages, setFilters } = props;
  return (
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
  );
}

export function RequestsPage() {
  const [filters, setFilters] = useState<RequestFilters>({ page: 1, per_page: 25 });
  const [page, setPage] = useState<RequestResponsesPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [opened, setOpened] = useState<number | null>(null);
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
  const rows: RequestRow[] = [...fresh, ...(page?.records ?? []).filter((r) => !seen.has(r.request_id))];
  const pages = page ? Math.max(1, Math.ceil(page.total_count / page.per_page)) : 1;

  return (
    <main class="page">
      <section class="card">
        <header class="card-head">
          <h2>Request history</h2>
          <span class="muted">{page ? `${compact(page.total_count + fresh.length)} requests` : ""}</span>
          <span class="spacer" />
          <a class="button" href={exportUrl(filters, "csv")} download data-export="csv">
            Export CSV
          </a>
          <a class="button" href={exportUrl(filters, "json")} download data-export="json">
            Export JSON
          </a>
        </header>
        <Filters filters={filters} set={set} />
        {error && <p class="form-error">{error}</p>}
        {page && rows.length === 0 && (
          <p class="empty">No requests match — send one to /v1/chat/completions, or clear the filters.</p>
        )}
        {rows.length > 0 && <RequestsTable rows={rows} fresh={fresh.length} open={setOpened} />}
        <Pager filters={filters} pages={pages} setFilters={setFilters} />
      </section>
      {opened !== null && <RequestDrawer id={opened} onClose={() => setOpened(null)} />}
    </main>
  );
}
