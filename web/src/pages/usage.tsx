// Owns the Usage page: all-time token totals, tokens per day and per month (charts), the top API keys and
// client addresses, and the weekday × hour heatmap (UTC) — all from the token and client statistics API.
import { useEffect, useState } from "preact/hooks";
import {
  fetchClients,
  fetchDailyTokens,
  fetchHeatmap,
  fetchMonthlyTokens,
  fetchTokenTotals,
} from "../api/calls.js";
import type {
  ClientHeatmapJson,
  ClientsJson,
  DailyTokensJson,
  MonthlyTokensJson,
  TokenTotalsJson,
} from "../api/types.js";
import { TokensChart } from "../components/tokens-chart.js";
import { ago, compact } from "../format.js";
import { epochMs } from "../state/apply.js";
import { resyncs } from "../state/model.js";

const DAYS = 7;
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

interface Usage {
  totals: TokenTotalsJson;
  daily: DailyTokensJson[];
  monthly: MonthlyTokensJson[];
  keys: ClientsJson;
  ips: ClientsJson;
  heatmap: ClientHeatmapJson;
}

async function loadUsage(): Promise<Usage> {
  const [totals, daily, monthly, keys, ips, heatmap] = await Promise.all([
    fetchTokenTotals(),
    fetchDailyTokens(30),
    fetchMonthlyTokens(12),
    fetchClients("api_key", DAYS),
    fetchClients("ip", DAYS),
    fetchHeatmap(DAYS),
  ]);
  return { totals, daily, monthly, keys, ips, heatmap };
}

function ClientTable({ clients, by }: { clients: ClientsJson; by: "ip" | "api_key" }) {
  if (clients.clients.length === 0) return <p class="empty">No requests in the last {DAYS} days.</p>;
  return (
    <div class="table-wrap">
      <table data-clients={by}>
        <thead>
          <tr>
            <th>{by === "ip" ? "Client address" : "API key"}</th>
            <th class="num">Requests</th>
            <th class="num">Errors</th>
            <th class="num">Tokens in → out</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {clients.clients.map((c) => {
            const name =
              "client_ip" in c ? (c.client_ip ?? "unknown") : (c.api_key_name ?? c.api_key_id ?? "no key");
            return (
              <tr key={name}>
                <td data-label="Client" class={by === "ip" ? "mono" : ""}>
                  {name}
                </td>
                <td data-label="Requests" class="num">
                  {compact(c.requests)}
                </td>
                <td data-label="Errors" class={c.errors > 0 ? "num bad" : "num"}>
                  {compact(c.errors)}
                </td>
                <td data-label="Tokens" class="num">
                  {compact(c.input_tokens)} → {compact(c.output_tokens)}
                </td>
                <td data-label="Last seen">{ago(epochMs(c.last_seen))}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Heatmap({ heatmap }: { heatmap: ClientHeatmapJson }) {
  const max = Math.max(1, heatmap.max_requests);
  return (
    <div class="heatmap" role="img" aria-label={`Requests by weekday and hour (UTC), last ${DAYS} days`}>
      <span />
      {Array.from({ length: 24 }, (_, h) => (
        <span key={`h${h}`} class="label">
          {h % 6 === 0 ? h : ""}
        </span>
      ))}
      {WEEKDAYS.map((day, weekday) => [
        <span key={day} class="label">
          {day}
        </span>,
        ...heatmap.cells
          .filter((cell) => cell.weekday === weekday)
          .map((cell) => (
            <span
              key={`${day}-${cell.hour}`}
              class="cell"
              title={`${day} ${cell.hour}:00 UTC — ${cell.requests} requests`}
              data-heat={cell.requests}
              style={{ opacity: cell.requests === 0 ? 0.08 : 0.25 + (0.75 * cell.requests) / max }}
            />
          )),
      ])}
    </div>
  );
}

function Totals({ totals }: { totals: TokenTotalsJson }) {
  return (
    <div class="totals" data-token-totals>
      <div>
        <span class="muted">Requests</span>
        <strong data-total="requests">{compact(totals.total_requests)}</strong>
      </div>
      <div>
        <span class="muted">Input tokens</span>
        <strong data-total="input">{compact(totals.total_input_tokens)}</strong>
      </div>
      <div>
        <span class="muted">Output tokens</span>
        <strong data-total="output">{compact(totals.total_output_tokens)}</strong>
      </div>
    </div>
  );
}

export function UsagePage() {
  const [usage, setUsage] = useState<Usage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const resync = resyncs.value;
  useEffect(() => {
    loadUsage()
      .then((loaded) => {
        setUsage(loaded);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, [resync]);

  return (
    <main class="page">
      {error && <p class="form-error">{error}</p>}
      {!usage && !error && <p class="muted">Loading…</p>}
      {usage && (
        <>
          <section class="card">
            <header class="card-head">
              <h2>Token usage</h2>
              <span class="muted">all time</span>
            </header>
            <Totals totals={usage.totals} />
            {usage.totals.total_requests === 0 && (
              <p class="empty">No requests recorded yet — send one to /v1/chat/completions.</p>
            )}
          </section>
          <div class="usage-grid">
            <section class="card" aria-label="Tokens per day">
              <header class="card-head">
                <h2>Tokens per day</h2>
                <span class="muted">last 30 days, UTC</span>
              </header>
              <TokensChart
                points={usage.daily.map((d) => ({ ...d, period: d.date }))}
                unit="day"
                label="Tokens per day"
              />
            </section>
            <section class="card" aria-label="Tokens per month">
              <header class="card-head">
                <h2>Tokens per month</h2>
                <span class="muted">last 12 months</span>
              </header>
              <TokensChart
                points={usage.monthly.map((m) => ({ ...m, period: m.month }))}
                unit="month"
                label="Tokens per month"
              />
            </section>
            <section class="card">
              <header class="card-head">
                <h2>Top API keys</h2>
                <span class="muted">last {DAYS} days</span>
              </header>
              <ClientTable clients={usage.keys} by="api_key" />
            </section>
            <section class="card">
              <header class="card-head">
                <h2>Top clients</h2>
                <span class="muted">last {DAYS} days</span>
              </header>
              <ClientTable clients={usage.ips} by="ip" />
            </section>
          </div>
          <section class="card">
            <header class="card-head">
              <h2>When requests come</h2>
              <span class="muted">weekday × hour, UTC, last {DAYS} days</span>
            </header>
            <Heatmap heatmap={usage.heatmap} />
          </section>
        </>
      )}
    </main>
  );
}
