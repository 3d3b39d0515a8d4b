// Owns the dashboard's live state: the signals every panel reads, the one EventSource on /api/events
// (cookie auth, native Last-Event-ID resume, manual reconnect with backoff) and how events land in it.
// Nothing else opens an EventSource: a page reads these signals, or subscribes through `handlers` here.
import { signal } from "@preact/signals";
import { completionsOf } from "../../../src/events/completion-batch.js";
import type { WireEventType } from "../../../src/events/types.js";
import { fetchModelTps, fetchOverview } from "../api/calls.js";
import type { EndpointJson, EventJsonPayloads, LogLineJson, ModelTps } from "../api/types.js";
import {
  applyCompletion,
  applyEndpoint,
  applyMetrics,
  applyRemoved,
  applyStatus,
  applyTps,
  completionRow,
  countInTimeline,
  epochMs,
  type LiveOverview,
  type RequestRow,
  type TimelinePoint,
  timelineWindow,
  withEndpointTps,
} from "./apply.js";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

export const overview = signal<LiveOverview | null>(null);
export const timeline = signal<TimelinePoint[]>([]);
/** Model TPS rows per endpoint id, for endpoints whose rows were loaded (detail panel, live TPS). */
export const modelTps = signal<Record<string, ModelTps[]>>({});
/** Requests completed since the page loaded, newest first (bounded). */
export const liveRequests = signal<RequestRow[]>([]);
export const connection = signal<ConnectionState>("connecting");
export const loadError = signal<string | null>(null);
/** Bumped whenever the server says we missed too much (panels with their own data refetch). */
export const resyncs = signal(0);
/** The balancer's recent log lines, oldest first (admins: the stream carries LogLine events). */
export const logLines = signal<LogLineJson[]>([]);
/** The latest progress of each benchmark run seen since the page loaded. */
export const benchmarkProgress = signal<Record<string, EventJsonPayloads["BenchmarkProgress"]>>({});
const LOG_ROWS = 2000;

/** A snapshot of the log ring, plus the live lines newer than its newest. */
export function setLogSnapshot(lines: LogLineJson[]): void {
  const newest = lines[lines.length - 1]?.time ?? "";
  logLines.value = [...lines, ...logLines.value.filter((line) => line.time > newest)].slice(-LOG_ROWS);
}

const LIVE_ROWS = 200;
const MAX_BACKOFF_MS = 30_000;

let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let ticker: ReturnType<typeof setInterval> | undefined;
let failures = 0;
/** TpsUpdated events seen while that endpoint's rows are being fetched (re-applied for their tps). */
const pendingTps = new Map<string, EventJsonPayloads["TpsUpdated"][]>();

const OVERVIEW_RETRY_MS = 5_000;
let overviewRetry: ReturnType<typeof setTimeout> | undefined;

/** Loads the snapshot; while live and it fails, tries again every few seconds. */
export async function refreshOverview(): Promise<void> {
  clearTimeout(overviewRetry);
  try {
    const fresh = await fetchOverview();
    overview.value = fresh;
    timeline.value = timelineWindow(fresh.history, Date.now());
    loadError.value = null;
  } catch (error) {
    loadError.value = (error as Error).message;
    if (source) overviewRetry = setTimeout(() => void refreshOverview(), OVERVIEW_RETRY_MS);
  }
}

/** What a successful create/update answered: merged at once (the matching event, when it comes, is idempotent). */
export function upsertEndpoint(endpoint: EndpointJson): void {
  if (!overview.value) return;
  const merged = applyEndpoint(overview.value, {
    endpoint_id: endpoint.id,
    name: endpoint.name,
    base_url: endpoint.base_url,
    endpoint_type: endpoint.endpoint_type,
    status: endpoint.status,
  });
  overview.value = {
    ...merged,
    endpoints: merged.endpoints.map((e) => (e.id === endpoint.id ? { ...e, ...endpoint } : e)),
  };
}

export function removeEndpoint(endpointId: string): void {
  handlers.EndpointRemoved({ endpoint_id: endpointId });
}

export async function loadModelTps(endpointId: string): Promise<void> {
  if (pendingTps.has(endpointId)) return;
  pendingTps.set(endpointId, []);
  try {
    let rows = await fetchModelTps(endpointId);
    // Events that raced the fetch: their tps is absolute (the EMA after the update), so it is kept.
    for (const event of pendingTps.get(endpointId) ?? []) {
      const row = rows.find((r) => r.model_id === event.model_id && r.api_kind === event.api_kind);
      rows = row
        ? rows.map((r) => (r === row ? { ...r, tps: event.tps ?? r.tps } : r))
        : applyTps(rows, event);
    }
    setRows(endpointId, rows);
  } catch (error) {
    loadError.value = (error as Error).message;
  } finally {
    pendingTps.delete(endpointId);
  }
}

function setRows(endpointId: string, rows: ModelTps[]): void {
  modelTps.value = { ...modelTps.value, [endpointId]: rows };
  if (overview.value) overview.value = withEndpointTps(overview.value, endpointId, rows);
}

const handlers: { [K in WireEventType]: (data: EventJsonPayloads[K]) => void } = {
  TpsUpdated(data) {
    const pending = pendingTps.get(data.endpoint_id);
    if (pending) return void pending.push(data);
    const rows = modelTps.value[data.endpoint_id];
    if (rows) setRows(data.endpoint_id, applyTps(rows, data));
    else void loadModelTps(data.endpoint_id);
  },
  RequestsCompleted(batch) {
    const records = completionsOf(batch);
    let live = overview.value;
    let minutes = timeline.value;
    for (const record of records) {
      if (live) live = applyCompletion(live, record);
      minutes = countInTimeline(
        minutes,
        epochMs(record.finished_at) ?? Date.now(),
        record.status === "success",
      );
    }
    // One signal update per batch, not per record: a busy proxy sends dozens of records every 25 ms.
    if (live) overview.value = live;
    timeline.value = minutes;
    const newestFirst = records.reverse().slice(0, LIVE_ROWS).map(completionRow);
    liveRequests.value = [...newestFirst, ...liveRequests.value].slice(0, LIVE_ROWS);
  },
  EndpointStatusChanged(data) {
    if (overview.value) overview.value = applyStatus(overview.value, data);
  },
  EndpointRegistered(data) {
    if (overview.value) overview.value = applyEndpoint(overview.value, data);
  },
  EndpointUpdated(data) {
    if (overview.value) overview.value = applyEndpoint(overview.value, data);
  },
  EndpointRemoved(data) {
    if (overview.value) overview.value = applyRemoved(overview.value, data.endpoint_id);
    const { [data.endpoint_id]: _gone, ...rest } = modelTps.value;
    modelTps.value = rest;
  },
  MetricsUpdated(data) {
    if (overview.value) overview.value = applyMetrics(overview.value, data);
  },
  LogLine(data) {
    const lines = logLines.value;
    logLines.value = lines.length >= LOG_ROWS ? [...lines.slice(1 - LOG_ROWS), data] : [...lines, data];
  },
  BenchmarkProgress(data) {
    benchmarkProgress.value = { ...benchmarkProgress.value, [data.run_id]: data };
  },
};

function resync(): void {
  resyncs.value += 1;
  void refreshOverview();
  for (const endpointId of Object.keys(modelTps.value)) void loadModelTps(endpointId);
}

/** Admins also receive the log tail (LogLine events) on the one stream. */
let withLogs = false;

function open(afterManualRetry: boolean): void {
  const es = new EventSource(withLogs ? "/api/events?logs=1" : "/api/events", { withCredentials: true });
  source = es;
  es.onopen = () => {
    if (source !== es) return;
    failures = 0;
    connection.value = "live";
    // A new EventSource cannot send Last-Event-ID, so after a manual retry the snapshot is refetched.
    if (afterManualRetry) resync();
  };
  es.onerror = () => {
    if (source !== es) return;
    if (es.readyState === EventSource.CONNECTING) {
      connection.value = "reconnecting"; // the browser retries with Last-Event-ID by itself
      return;
    }
    es.close();
    connection.value = "offline";
    failures += 1;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures - 1, 5));
    retryTimer = setTimeout(async () => {
      connection.value = "reconnecting";
      await refreshOverview(); // a 401 here means the session ended: the page signs out and stops
      if (source === es) open(true);
    }, delay);
  };
  for (const type of Object.keys(handlers) as WireEventType[]) {
    es.addEventListener(type, (message) => {
      const handler = handlers[type] as (data: unknown) => void;
      handler(JSON.parse((message as MessageEvent<string>).data)); // the data line is the payload
    });
  }
  es.addEventListener("reset", () => resync());
}

/** Opens the stream first, then loads the snapshot, so nothing between the two is missed. */
export function startLive(logs: boolean): void {
  if (source) return;
  withLogs = logs;
  connection.value = "connecting";
  open(false);
  void refreshOverview();
  ticker = setInterval(() => {
    const now = Date.now();
    const newest = timeline.value[timeline.value.length - 1]?.minute ?? 0;
    if (now - newest >= 60_000) timeline.value = timelineWindow(timeline.value, now);
  }, 5_000);
}

export function stopLive(): void {
  source?.close();
  source = null;
  clearTimeout(retryTimer);
  clearInterval(ticker);
  clearTimeout(overviewRetry);
  overview.value = null;
  modelTps.value = {};
  liveRequests.value = [];
  logLines.value = [];
  connection.value = "connecting";
}
