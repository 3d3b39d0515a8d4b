// Owns the overview's headline numbers (fleet state, traffic, speed).

import { compact, DASH, duration, percent, tps } from "../format.js";
import type { LiveOverview } from "../state/apply.js";

function Card({ label, value, hint, name }: { label: string; value: string; hint?: string; name: string }) {
  return (
    <div class="card stat" data-stat={name}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint && <div class="stat-hint">{hint}</div>}
    </div>
  );
}

export function StatCards({ overview }: { overview: LiveOverview }) {
  const s = overview.stats;
  const measured = overview.endpoint_tps.filter((row) => row.aggregate_tps !== null);
  const fleetTps = measured.length ? measured.reduce((sum, row) => sum + (row.aggregate_tps ?? 0), 0) : null;
  return (
    <section class="stats" aria-label="Fleet statistics">
      <Card
        name="endpoints"
        label="Endpoints online"
        value={`${s.online_endpoints} / ${s.total_endpoints}`}
        hint={s.total_endpoints === 0 ? "none registered yet" : undefined}
      />
      <Card name="total-requests" label="Total requests" value={compact(s.total_requests)} />
      <Card
        name="success-rate"
        label="Success rate"
        value={percent(s.successful_requests, s.total_requests)}
        hint={s.failed_requests ? `${compact(s.failed_requests)} failed` : undefined}
      />
      <Card name="active" label="Active requests" value={compact(s.active_requests)} />
      <Card name="queued" label="Queued" value={compact(s.queued_requests)} />
      <Card name="avg-response" label="Avg response time" value={duration(s.average_response_time_ms)} />
      <Card name="output-tokens" label="Output tokens" value={compact(s.total_output_tokens)} />
      <Card name="fleet-tps" label="Fleet TPS" value={fleetTps === null ? DASH : tps(fleetTps)} />
    </section>
  );
}
