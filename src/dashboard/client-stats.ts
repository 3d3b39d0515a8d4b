// Owns the client views' contract: /api/dashboard/clients (ranking by address or API key), its hourly
// timeline of the top clients, the weekday × hour heatmap (UTC) and one address's detail.
import * as v from "valibot";
import type { ClientDetailRows, ClientRankRow } from "../db/client-stats.js";
import { canonicalAddress } from "../http/client-address.js";
import type { IsoTime } from "../http/wire-time.js";
import { isoTime } from "../http/wire-time.js";
import { type RequestResponseJson, toRequestResponseJson } from "./request-responses.js";
import { countParam } from "./token-stats.js";

/** Clients are kept as long as request_history; 90 days covers any sensible retention view. */
const MAX_DAYS = 90;

export const clientsQuery = v.object({
  group_by: v.optional(v.picklist(["ip", "api_key"], "Expected ip or api_key"), "ip"),
  days: countParam(7, MAX_DAYS),
  limit: countParam(50, 500),
});

/** The timeline is hourly: at most 31 days (744 points) per client. */
export const timelineQuery = v.object({ days: countParam(1, 31), top: countParam(5, 20) });
export const clientHeatmapQuery = v.object({ days: countParam(7, MAX_DAYS) });
export const clientDetailQuery = v.object({ days: countParam(7, MAX_DAYS) });
export const clientIpParams = v.object({
  ip: v.pipe(
    v.string(),
    v.check((text) => canonicalAddress(text) !== null, "Expected an IPv4 or IPv6 address"),
    v.transform((text) => canonicalAddress(text) as string),
  ),
});

interface ClientFiguresJson {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  last_seen: IsoTime;
}

/** A client by address; client_ip null for requests whose address was unknown. */
export interface IpClientJson extends ClientFiguresJson {
  client_ip: string | null;
}

/** A client by API key; api_key_id null for requests without a key (auth disabled, sessions). */
export interface KeyClientJson extends ClientFiguresJson {
  api_key_id: string | null;
  api_key_name: string | null;
}

/** GET /api/dashboard/clients: most requests first. */
export interface ClientsJson {
  group_by: "ip" | "api_key";
  clients: (IpClientJson | KeyClientJson)[];
}

const orNull = (id: string) => (id === "" ? null : id);

function figures(row: ClientRankRow): ClientFiguresJson {
  return {
    requests: row.requests,
    errors: row.errors,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    last_seen: isoTime(row.lastSeen),
  };
}

export function clientsJson(rows: ClientRankRow[], groupBy: "ip" | "api_key"): ClientsJson {
  const clients =
    groupBy === "ip"
      ? rows.map((row): IpClientJson => ({ client_ip: orNull(row.id), ...figures(row) }))
      : rows.map(
          (row): KeyClientJson => ({
            api_key_id: orNull(row.id),
            api_key_name: row.name ?? null,
            ...figures(row),
          }),
        );
  return { group_by: groupBy, clients };
}

/** GET /api/dashboard/clients/timeline: `hours` and each client's `requests` line up index by index. */
export interface ClientTimelineJson {
  /** Start of each UTC hour, oldest first. */
  hours: IsoTime[];
  clients: { client_ip: string | null; requests: number[] }[];
}

export function clientTimelineJson(
  firstHour: number,
  hourCount: number,
  clients: string[],
  rows: { hour: number; clientIp: string; requests: number }[],
): ClientTimelineJson {
  const hours = Array.from({ length: hourCount }, (_, i) => firstHour + i * 3_600_000);
  const index = new Map(hours.map((hour, i) => [hour, i]));
  const series = new Map(clients.map((ip) => [ip, new Array<number>(hourCount).fill(0)]));
  for (const row of rows) {
    const at = index.get(row.hour);
    const line = series.get(row.clientIp);
    if (at !== undefined && line) line[at] = (line[at] ?? 0) + row.requests;
  }
  return {
    hours: hours.map(isoTime),
    clients: clients.map((ip) => ({ client_ip: orNull(ip), requests: series.get(ip) ?? [] })),
  };
}

/** GET /api/dashboard/clients/heatmap: all 7 × 24 cells; weekday 0 = Sunday, hour 0–23, both UTC. */
export interface ClientHeatmapJson {
  cells: { weekday: number; hour: number; requests: number }[];
  max_requests: number;
}

export function heatmapJson(rows: { weekday: number; hour: number; requests: number }[]): ClientHeatmapJson {
  const counts = new Map(rows.map((row) => [row.weekday * 24 + row.hour, row.requests]));
  const cells = Array.from({ length: 7 * 24 }, (_, i) => ({
    weekday: Math.floor(i / 24),
    hour: i % 24,
    requests: counts.get(i) ?? 0,
  }));
  return { cells, max_requests: Math.max(0, ...cells.map((cell) => cell.requests)) };
}

/** GET /api/dashboard/clients/{ip}/detail. */
export interface ClientDetailJson extends IpClientJson {
  models: { model: string; requests: number; input_tokens: number; output_tokens: number }[];
  api_keys: { api_key_id: string | null; api_key_name: string | null; requests: number }[];
  /** Newest first. */
  recent_requests: RequestResponseJson[];
}

export function clientDetailJson(totals: ClientRankRow, rows: ClientDetailRows): ClientDetailJson {
  return {
    client_ip: orNull(totals.id),
    ...figures(totals),
    models: rows.models.map((m) => ({
      model: m.model,
      requests: m.requests,
      input_tokens: m.inputTokens,
      output_tokens: m.outputTokens,
    })),
    api_keys: rows.keys.map((k) => ({ api_key_id: k.apiKeyId, api_key_name: k.name, requests: k.requests })),
    recent_requests: rows.recent.map(toRequestResponseJson),
  };
}
