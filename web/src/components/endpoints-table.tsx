// Owns the sortable endpoints table (live from the model) with its per-row actions.
import { useState } from "preact/hooks";
import type { EndpointTpsSummary } from "../api/types.js";
import { compact, DASH, duration, tps } from "../format.js";
import { linkTo } from "../router.js";
import type { LiveEndpoint } from "../state/apply.js";
import { EndpointActions } from "./endpoint-actions.js";
import { StatusBadge } from "./status-badge.js";

type Column = "name" | "type" | "status" | "latency" | "requests" | "tps" | "models";
const STATUS_ORDER = { online: 0, pending: 1, error: 2, offline: 3 } as const;

interface Row {
  endpoint: LiveEndpoint;
  tps: EndpointTpsSummary | undefined;
}

const sortKey: Record<Column, (row: Row) => string | number> = {
  name: (r) => r.endpoint.name.toLowerCase(),
  type: (r) => r.endpoint.endpoint_type,
  status: (r) => STATUS_ORDER[r.endpoint.status] ?? 9,
  latency: (r) => r.endpoint.latency_ms ?? Number.POSITIVE_INFINITY,
  requests: (r) => r.endpoint.total_requests ?? 0,
  tps: (r) => r.tps?.aggregate_tps ?? -1,
  models: (r) => r.tps?.model_count ?? r.endpoint.model_count ?? 0,
};

const HEADERS: [Column, string][] = [
  ["name", "Name"],
  ["type", "Type"],
  ["status", "Status"],
  ["latency", "Latency"],
  ["requests", "Requests (ok / failed)"],
  ["tps", "TPS"],
  ["models", "Models"],
];

export function EndpointsTable(props: {
  endpoints: LiveEndpoint[];
  tps: EndpointTpsSummary[];
  isAdmin: boolean;
  onEdit: (endpoint: LiveEndpoint) => void;
}) {
  const [sort, setSort] = useState<{ by: Column; desc: boolean }>({ by: "name", desc: false });
  const rows: Row[] = props.endpoints.map((endpoint) => ({
    endpoint,
    tps: props.tps.find((row) => row.endpoint_id === endpoint.id),
  }));
  const key = sortKey[sort.by];
  rows.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    const order = x < y ? -1 : x > y ? 1 : 0;
    return sort.desc ? -order : order;
  });
  const toggle = (by: Column) => setSort(sort.by === by ? { by, desc: !sort.desc } : { by, desc: false });

  return (
    <div class="table-wrap">
      <table class="endpoints">
        <thead>
          <tr>
            {HEADERS.map(([column, label]) => (
              <th
                key={column}
                aria-sort={sort.by === column ? (sort.desc ? "descending" : "ascending") : "none"}
              >
                <button type="button" class="sort" onClick={() => toggle(column)}>
                  {label}
                  <span class="arrow">{sort.by === column ? (sort.desc ? "▼" : "▲") : ""}</span>
                </button>
              </th>
            ))}
            <th>
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ endpoint: e, tps: t }) => (
            <tr key={e.id} data-endpoint-id={e.id}>
              <td data-label="Name">
                <a {...linkTo(`/endpoints/${e.id}`)} class="strong">
                  {e.name}
                </a>
                <div class="muted small mono">{e.base_url}</div>
              </td>
              <td data-label="Type">{e.endpoint_type}</td>
              <td data-label="Status">
                <StatusBadge status={e.status} circuit={e.circuit_state} />
              </td>
              <td data-label="Latency" class="num">
                {duration(e.latency_ms)}
              </td>
              <td data-label="Requests" class="num" data-cell="requests">
                <span data-total-requests={e.total_requests ?? 0}>{compact(e.total_requests ?? 0)}</span>
                <span class="muted">
                  {" "}
                  ({compact(e.successful_requests ?? 0)} / {compact(e.failed_requests ?? 0)})
                </span>
              </td>
              <td data-label="TPS" class="num">
                {t?.aggregate_tps == null ? DASH : tps(t.aggregate_tps)}
              </td>
              <td data-label="Models" class="num">
                {t?.model_count ?? e.model_count ?? DASH}
              </td>
              <td class="actions">
                <EndpointActions endpoint={e} isAdmin={props.isAdmin} onEdit={props.onEdit} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
