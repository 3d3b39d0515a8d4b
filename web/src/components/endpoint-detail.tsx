// Owns the endpoint detail panel: live status from the model, details and today's counts from the API,
// the model TPS table (live) and the daily TPS trend.
import { useEffect, useState } from "preact/hooks";
import { fetchEndpoint, fetchTodayStats } from "../api/calls.js";
import type { DayStats, EndpointDetailJson } from "../api/types.js";
import { ago, compact, DASH, duration } from "../format.js";
import { navigate } from "../router.js";
import { epochMs } from "../state/apply.js";
import { loadModelTps, modelTps, overview } from "../state/model.js";
import { DailyTpsChart } from "./daily-tps-chart.js";
import { ModelTpsTable } from "./model-tps-table.js";
import { Overlay } from "./overlay.js";
import { StatusBadge } from "./status-badge.js";
import { useThrottled } from "./use-throttled.js";

function Fact({ label, children }: { label: string; children: preact.ComponentChildren }) {
  return (
    <div class="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function EndpointDetail({ id }: { id: string }) {
  const [detail, setDetail] = useState<EndpointDetailJson | null>(null);
  const [today, setToday] = useState<DayStats | null>(null);
  const [missing, setMissing] = useState(false);
  const live = overview.value?.endpoints.find((endpoint) => endpoint.id === id);
  const rows = modelTps.value[id];

  useEffect(() => {
    if (!modelTps.value[id]) void loadModelTps(id);
  }, [id]);
  // Re-read details when the status moves (models are resynced when an endpoint comes back online).
  useEffect(() => {
    fetchEndpoint(id)
      .then((loaded) => {
        setDetail(loaded);
        setMissing(false);
      })
      .catch(() => setMissing(true));
  }, [id, live?.status]);
  // Today's counts and the daily chart follow live traffic, refetched at most every 2 s.
  const requestsSeen = useThrottled(live?.total_requests, 2000);
  useEffect(() => {
    fetchTodayStats(id)
      .then(setToday)
      .catch(() => setToday(null));
  }, [id, requestsSeen]);

  const close = () => navigate("/");
  const endpoint = live ? { ...detail, ...live } : detail;
  return (
    <Overlay kind="drawer" onClose={close}>
      <aside class="drawer card" aria-label="Endpoint detail" data-endpoint-detail={id}>
        <header class="drawer-head">
          <h2>{endpoint?.name ?? "Endpoint"}</h2>
          <button type="button" class="icon" aria-label="Close" onClick={close}>
            ✕
          </button>
        </header>
        {missing && !live && <p class="empty">This endpoint no longer exists.</p>}
        {endpoint && (
          <dl class="facts">
            <Fact label="Status">
              <StatusBadge status={endpoint.status} circuit={endpoint.circuit_state} />
            </Fact>
            <Fact label="Type">{endpoint.endpoint_type}</Fact>
            <Fact label="Base URL">
              <span class="mono">{endpoint.base_url}</span>
            </Fact>
            <Fact label="Latency">{duration(endpoint.latency_ms)}</Fact>
            <Fact label="Last seen">{ago(epochMs(endpoint.last_seen))}</Fact>
            <Fact label="Last error">
              <span class={endpoint.last_error ? "bad" : ""}>{endpoint.last_error || DASH}</span>
            </Fact>
            <Fact label="Today">
              {today
                ? `${compact(today.total_requests)} requests (${compact(today.successful_requests)} ok, ${compact(today.failed_requests)} failed)`
                : DASH}
            </Fact>
          </dl>
        )}
        <h3>Speed by model</h3>
        {rows ? (
          <ModelTpsTable rows={rows} models={(detail?.models ?? []).map((model) => model.model_id)} />
        ) : (
          <p class="muted">Loading…</p>
        )}
        <DailyTpsChart endpointId={id} requestsSeen={requestsSeen} />
      </aside>
    </Overlay>
  );
}
