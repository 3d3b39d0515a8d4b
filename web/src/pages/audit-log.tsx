// Owns the Audit log page (admin): filters (actor, action, text, time range), the paged entries, a summary,
// and verifying the hash chain on demand.
import { useEffect, useState } from "preact/hooks";
import { type AuditFilters, fetchAudit, fetchAuditStats, verifyAudit } from "../api/team-calls.js";
import type { AuditPageJson, AuditStatsJson, AuditVerifyJson } from "../api/types.js";
import { notify } from "../components/toast.js";
import { DASH } from "../format.js";

const PER_PAGE = 50;

function VerifyButton() {
  const [result, setResult] = useState<AuditVerifyJson | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      setResult(await verifyAudit());
    } catch (error) {
      notify((error as Error).message, "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="verify">
      <button type="button" onClick={() => void run()} disabled={busy}>
        {busy ? "Verifying…" : "Verify chain"}
      </button>
      {result?.valid === true && (
        <span class="ok-note" role="status" data-verify="valid">
          Chain intact: {result.checked} entries checked.
        </span>
      )}
      {result?.valid === false && (
        <span class="form-error" role="status" data-verify="invalid">
          Chain broken at entry #{result.first_bad_id} ({result.problem.replaceAll("_", " ")});{" "}
          {result.checked} entries before it are intact.
        </span>
      )}
    </div>
  );
}

function Summary({ stats }: { stats: AuditStatsJson | null }) {
  if (!stats) return null;
  return (
    <p class="muted small">
      {plural(stats.total, "entry", "entries")} · {plural(stats.failures, "failure", "failures")} ·{" "}
      {stats.last_24h} in the last 24 h
      {stats.by_action.length > 0 &&
        ` · most frequent: ${stats.by_action
          .slice(0, 3)
          .map((a) => `${a.action} (${a.count})`)
          .join(", ")}`}
    </p>
  );
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A datetime-local value (local time) → ISO 8601, or undefined when empty. */
function isoFromLocal(value: string): string | undefined {
  return value ? new Date(value).toISOString() : undefined;
}

function Filters(props: { onApply: (filters: Omit<AuditFilters, "page" | "per_page">) => void }) {
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [q, setQ] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const input = (set: (value: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  const submit = (event: Event) => {
    event.preventDefault();
    props.onApply({ actor, action, q, start_time: isoFromLocal(from), end_time: isoFromLocal(to) });
  };
  return (
    <form class="filters" onSubmit={submit} aria-label="Audit filters">
      <input placeholder="Actor" aria-label="Actor" value={actor} onInput={input(setActor)} />
      <input
        placeholder="Action (e.g. user, api_key.create)"
        aria-label="Action"
        value={action}
        onInput={input(setAction)}
      />
      <input type="search" placeholder="Search" aria-label="Search" value={q} onInput={input(setQ)} />
      <input type="datetime-local" aria-label="From" value={from} onInput={input(setFrom)} />
      <input type="datetime-local" aria-label="To" value={to} onInput={input(setTo)} />
      <button type="submit" class="primary">
        Apply
      </button>
    </form>
  );
}

function Entries({ page }: { page: AuditPageJson }) {
  if (page.entries.length === 0) return <p class="empty">No audit entries match.</p>;
  return (
    <div class="table-wrap">
      <table class="audit stacked">
        <thead>
          <tr>
            <th>#</th>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Outcome</th>
            <th>Client</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {page.entries.map((entry) => (
            <tr key={entry.id}>
              <td data-label="#" class="mono small">
                {entry.id}
              </td>
              <td data-label="Time">{new Date(entry.time).toLocaleString()}</td>
              <td data-label="Actor">
                {entry.actor_name ?? DASH}
                {entry.actor_type === "api_key" && <span class="muted small"> (key)</span>}
              </td>
              <td data-label="Action" class="mono">
                {entry.action}
              </td>
              <td data-label="Target" class="mono small">
                {entry.target_type ? `${entry.target_type} ${entry.target_id ?? ""}` : DASH}
              </td>
              <td data-label="Outcome">
                <span class={`badge badge-${entry.outcome === "success" ? "online" : "offline"}`}>
                  {entry.outcome}
                </span>
              </td>
              <td data-label="Client" class="mono small">
                {entry.client_ip ?? DASH}
              </td>
              <td data-label="Details" class="mono small details">
                {Object.keys(entry.details).length > 0 ? JSON.stringify(entry.details) : DASH}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AuditLogPage() {
  const [filters, setFilters] = useState<AuditFilters>({ page: 1, per_page: PER_PAGE });
  const [page, setPage] = useState<AuditPageJson | null>(null);
  const [stats, setStats] = useState<AuditStatsJson | null>(null);
  useEffect(() => {
    fetchAudit(filters)
      .then(setPage)
      .catch((e: Error) => notify(e.message, "error"));
  }, [filters]);
  useEffect(() => {
    fetchAuditStats()
      .then(setStats)
      .catch((e: Error) => notify(e.message, "error"));
  }, []);
  const pages = page ? Math.max(1, Math.ceil(page.total / filters.per_page)) : 1;
  return (
    <main class="page">
      <section class="card">
        <header class="card-head">
          <h2>Audit log</h2>
          <VerifyButton />
        </header>
        <Summary stats={stats} />
        <Filters onApply={(chosen) => setFilters({ ...chosen, page: 1, per_page: PER_PAGE })} />
        {page && <Entries page={page} />}
        {page && pages > 1 && (
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled={filters.page <= 1}
              onClick={() => setFilters({ ...filters, page: filters.page - 1 })}
            >
              Previous
            </button>
            <span class="muted">
              Page {filters.page} of {pages} · {page.total} entries
            </span>
            <button
              type="button"
              disabled={filters.page >= pages}
              onClick={() => setFilters({ ...filters, page: filters.page + 1 })}
            >
              Next
            </button>
          </nav>
        )}
      </section>
    </main>
  );
}
