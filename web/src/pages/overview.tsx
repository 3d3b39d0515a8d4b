// Owns the overview page: stat cards, the live timeline, the endpoints table, the add/edit form and
// (on /endpoints/:id) the endpoint detail panel over it.
import { useState } from "preact/hooks";
import { EndpointDetail } from "../components/endpoint-detail.js";
import { EndpointForm } from "../components/endpoint-form.js";
import { EndpointsTable } from "../components/endpoints-table.js";
import { StatCards } from "../components/stat-cards.js";
import { TimelineChart } from "../components/timeline-chart.js";
import type { LiveEndpoint } from "../state/apply.js";
import { loadError, overview } from "../state/model.js";

export function OverviewPage({ detailId, isAdmin }: { detailId: string | null; isAdmin: boolean }) {
  const [form, setForm] = useState<{ endpoint: LiveEndpoint | null } | null>(null);
  const data = overview.value;
  if (!data)
    return (
      <main class="page">
        {loadError.value ? <p class="form-error">{loadError.value}</p> : <p class="muted">Loading…</p>}
      </main>
    );
  return (
    <main class="page">
      <StatCards overview={data} />
      <TimelineChart />
      <section class="card">
        <header class="card-head">
          <h2>Endpoints</h2>
          {isAdmin && (
            <button type="button" class="primary" onClick={() => setForm({ endpoint: null })}>
              Add endpoint
            </button>
          )}
        </header>
        {data.endpoints.length === 0 ? (
          <p class="empty">
            No endpoints yet — {isAdmin ? "add one with “Add endpoint”" : "ask an admin to add one"}: the URL
            of an Ollama, vLLM, LM Studio, llama.cpp or any OpenAI-compatible server.
          </p>
        ) : (
          <EndpointsTable
            endpoints={data.endpoints}
            tps={data.endpoint_tps}
            isAdmin={isAdmin}
            onEdit={(endpoint) => setForm({ endpoint })}
          />
        )}
      </section>
      {form && <EndpointForm endpoint={form.endpoint} onClose={() => setForm(null)} />}
      {detailId && <EndpointDetail id={detailId} />}
    </main>
  );
}
