// Owns what the recorder has not yet written: counter and daily-stats deltas aggregated per key, and
// history rows in a bounded FIFO. Pure. Invariant: aggregates are never dropped; when the history buffer
// is full the oldest rows go first.
import type { requestHistory } from "../db/schema.js";
import type { CompletionRecord } from "../events/types.js";
import { RowQueue } from "./row-queue.js";
import type { AttemptJson, DailyStatsRow, RequestCounters, StoredBodies } from "./types.js";
import { UsageAggregates, type UsageBatch } from "./usage-aggregates.js";

type HistoryColumns = typeof requestHistory.$inferInsert;

/** request_history's columns as the recorder writes them, in the order of a HistoryRow's values. */
export const HISTORY_COLUMNS = [
  "requestId",
  "createdAt",
  "endpointId",
  "endpointName",
  "model",
  "apiKind",
  "stream",
  "status",
  "statusCode",
  "error",
  "durationMs",
  "ttftMs",
  "inputTokens",
  "outputTokens",
  "tokensEstimated",
  "clientIp",
  "apiKeyId",
  "source",
  "requestBody",
  "responseBody",
  "requestBodyTruncated",
  "responseBodyTruncated",
  "attempts",
] as const satisfies readonly (keyof HistoryColumns)[];

/**
 * One request_history row as SQL values in HISTORY_COLUMNS order (booleans as 0/1): what the statements'
 * parameters and the file store's SQL literals are made from, column by column. Measured reason (bench
 * section 3, when batches were cloned into a recorder thread): a batch of 1,500 rows as objects took 2.1 ms to
 * clone and 6.3 ms to rebuild there; as flat values 0.4 ms and 3.2 ms — the key names no longer travel with
 * every row.
 */
export type HistoryRow = (string | number | null)[];

/** The request id of a history row (its first value). */
export const historyRequestId = (row: HistoryRow): string => row[0] as string;

/** One flush: everything aggregated so far plus the oldest history rows. */
export interface Batch {
  counters: Map<string, RequestCounters>;
  daily: Map<string, DailyStatsRow>;
  /** Token and client usage aggregates. */
  usage: UsageBatch;
  history: HistoryRow[];
}

export interface PendingWrites {
  /** Returns how many history rows were dropped to make room (0 normally). */
  add(completion: CompletionRecord, extras?: HistoryExtras): number;
  /** Moves the aggregates and up to maxRows history rows in flight; null when nothing waits. */
  take(maxRows: number): Batch | null;
  /** The in-flight batch was committed. */
  settle(): void;
  /** The in-flight batch failed: its contents wait again. Returns history rows dropped to stay bounded. */
  putBack(): number;
  /** Unwritten (waiting + in flight) counter deltas of one endpoint. */
  counters(endpointId: string): RequestCounters | undefined;
  /** Endpoint ids with unwritten counter deltas. */
  counterIds(): string[];
  daily(endpointId: string): DailyStatsRow[];
  /** History rows waiting (not in flight). */
  readonly waitingRows: number;
}

export const zeroCounters = (): RequestCounters => ({
  totalRequests: 0,
  successfulRequests: 0,
  failedRequests: 0,
  totalInputTokens: 0,
  totalOutputTokens: 0,
});

export function addCounters(into: RequestCounters, delta: RequestCounters): RequestCounters {
  into.totalRequests += delta.totalRequests;
  into.successfulRequests += delta.successfulRequests;
  into.failedRequests += delta.failedRequests;
  into.totalInputTokens += delta.totalInputTokens;
  into.totalOutputTokens += delta.totalOutputTokens;
  return into;
}

/** A daily row carries the counter columns plus the duration of the requests that produced tokens. */
export function addDaily(into: DailyStatsRow, delta: DailyStatsRow): void {
  addCounters(into, delta);
  into.totalDurationMs += delta.totalDurationMs;
}

/** YYYY-MM-DD of epoch ms `at`, in UTC. */
export const utcDate = (at: number): string => new Date(at).toISOString().slice(0, 10);

export const dailyKey = (row: Pick<DailyStatsRow, "endpointId" | "modelId" | "date" | "apiKind">) =>
  `${row.endpointId}\u0000${row.modelId}\u0000${row.date}\u0000${row.apiKind}`;

/** Adds one record to counters in place (no allocation: this runs once per request). */
export function countCompletion(into: RequestCounters, completion: CompletionRecord): RequestCounters {
  const ok = completion.status === "success";
  into.totalRequests += 1;
  into.successfulRequests += ok ? 1 : 0;
  into.failedRequests += ok ? 0 : 1;
  into.totalInputTokens += completion.input_tokens;
  into.totalOutputTokens += completion.output_tokens;
  return into;
}

/** The record's contribution to its endpoint's counters. */
export function countersOf(completion: CompletionRecord): RequestCounters {
  return countCompletion(zeroCounters(), completion);
}

/** The record's daily-stats row; tokens and duration only from successful requests that produced tokens. */
export function dailyOf(completion: CompletionRecord, endpointId: string): DailyStatsRow {
  const ok = completion.status === "success";
  const measured = ok && completion.output_tokens > 0;
  return {
    endpointId,
    modelId: completion.endpoint_model ?? completion.model,
    date: utcDate(completion.finished_at),
    apiKind: completion.api_kind,
    totalRequests: 1,
    successfulRequests: ok ? 1 : 0,
    failedRequests: ok ? 0 : 1,
    totalInputTokens: completion.input_tokens,
    totalOutputTokens: measured ? completion.output_tokens : 0,
    totalDurationMs: measured ? Math.round(completion.duration_ms) : 0,
  };
}

/** What a history row holds besides the completion record. */
export interface HistoryExtras {
  attempts: AttemptJson[];
  /** null unless bodies are stored. */
  bodies: StoredBodies | null;
}

const NO_EXTRAS: HistoryExtras = { attempts: [], bodies: null };

const bit = (flag: boolean): number => (flag ? 1 : 0);

/** Endpoints whose one-attempt `attempts` text is kept (more are rare; the cache then starts over). */
const ATTEMPT_TEXTS_KEPT = 256;
const oneAttemptTexts = new Map<string, { attempt: AttemptJson; text: string }>();

/**
 * The attempts column: JSON of the endpoints tried. Most requests are one attempt that answered (error
 * null) from an endpoint seen before, whose text is the same every time: that text is built once per
 * endpoint, name and status and shared. Measured reason (Node, c=50): historyOf was 1.5 % of the event
 * loop's busy CPU, ≈ 0.5 µs of its ≈ 0.8 µs a row this JSON.stringify (micro-benchmark); and each row's own
 * copy of the text was ≈ 30 % of the bytes a waiting row holds — rows wait up to a flush interval, long
 * enough for V8 to promote them to the old generation.
 */
export function attemptsText(attempts: readonly AttemptJson[]): string | null {
  if (attempts.length === 0) return null;
  const only = attempts.length === 1 ? attempts[0] : undefined;
  if (only === undefined || only.error !== null) return JSON.stringify(attempts);
  const kept = oneAttemptTexts.get(only.endpoint_id);
  if (kept?.attempt.endpoint_name === only.endpoint_name && kept.attempt.status_code === only.status_code) {
    return kept.text;
  }
  const text = JSON.stringify(attempts);
  if (oneAttemptTexts.size >= ATTEMPT_TEXTS_KEPT) oneAttemptTexts.clear();
  oneAttemptTexts.set(only.endpoint_id, { attempt: { ...only }, text });
  return text;
}

/** The record's request_history row, in HISTORY_COLUMNS order. */
export function historyOf(completion: CompletionRecord, extras: HistoryExtras = NO_EXTRAS): HistoryRow {
  const bodies = extras.bodies;
  return [
    completion.request_id,
    Math.round(completion.finished_at),
    completion.endpoint_id,
    completion.endpoint_name,
    completion.model,
    completion.api_kind,
    bit(completion.stream),
    completion.status,
    completion.status_code,
    completion.error,
    Math.round(completion.duration_ms),
    completion.ttft_ms === null ? null : Math.round(completion.ttft_ms),
    completion.input_tokens,
    completion.output_tokens,
    bit(completion.estimated),
    completion.client_ip,
    completion.api_key_id,
    completion.source,
    bodies?.request ?? null,
    bodies?.response ?? null,
    bit(bodies?.requestTruncated ?? false),
    bit(bodies?.responseTruncated ?? false),
    attemptsText(extras.attempts),
  ];
}

const DAY_MS = 86_400_000;

function mergeCounters(into: Map<string, RequestCounters>, id: string, delta: RequestCounters): void {
  const existing = into.get(id);
  if (existing) addCounters(existing, delta);
  else into.set(id, { ...delta });
}

function mergeDaily(into: Map<string, DailyStatsRow>, row: DailyStatsRow): void {
  const key = dailyKey(row);
  const existing = into.get(key);
  if (existing) addDaily(existing, row);
  else into.set(key, { ...row });
}

class PendingBuffer implements PendingWrites {
  private counterDeltas = new Map<string, RequestCounters>();
  private dailyRows = new Map<string, DailyStatsRow>();
  private readonly usage = new UsageAggregates();
  private readonly history = new RowQueue<HistoryRow>();
  private inFlight: Batch | null = null;
  // UTC date of the current day, formatted once per day instead of once per request.
  private dayStart = Number.NaN;
  private dayText = "";

  constructor(private readonly maxHistoryRows: number) {}

  get waitingRows(): number {
    return this.history.size;
  }

  add(completion: CompletionRecord, extras: HistoryExtras = NO_EXTRAS): number {
    const endpointId = completion.endpoint_id;
    if (endpointId !== null) {
      // Aggregated in place: the common case (a key already waiting) allocates nothing.
      const ok = completion.status === "success";
      const measured = ok && completion.output_tokens > 0;
      const counter = this.counterDeltas.get(endpointId);
      if (counter) countCompletion(counter, completion);
      else this.counterDeltas.set(endpointId, countersOf(completion));
      const modelId = completion.endpoint_model ?? completion.model;
      const date = this.dateOf(completion.finished_at);
      const key = `${endpointId}\u0000${modelId}\u0000${date}\u0000${completion.api_kind}`;
      const row = this.dailyRows.get(key);
      if (row) {
        row.totalRequests += 1;
        row.successfulRequests += ok ? 1 : 0;
        row.failedRequests += ok ? 0 : 1;
        row.totalInputTokens += completion.input_tokens;
        row.totalOutputTokens += measured ? completion.output_tokens : 0;
        row.totalDurationMs += measured ? Math.round(completion.duration_ms) : 0;
      } else {
        this.dailyRows.set(key, dailyOf(completion, endpointId));
      }
    }
    this.usage.add(completion, this.dateOf(completion.finished_at));
    this.history.push(historyOf(completion, extras));
    return this.trim();
  }

  take(maxRows: number): Batch | null {
    if (this.inFlight) throw new Error("a batch is already in flight");
    if (
      this.counterDeltas.size === 0 &&
      this.dailyRows.size === 0 &&
      this.usage.empty &&
      this.waitingRows === 0
    ) {
      return null;
    }
    this.inFlight = {
      counters: this.counterDeltas,
      daily: this.dailyRows,
      usage: this.usage.take(),
      history: this.history.shift(maxRows),
    };
    this.counterDeltas = new Map();
    this.dailyRows = new Map();
    return this.inFlight;
  }

  settle(): void {
    this.inFlight = null;
  }

  putBack(): number {
    const batch = this.inFlight;
    this.inFlight = null;
    if (!batch) return 0;
    for (const [id, delta] of batch.counters) mergeCounters(this.counterDeltas, id, delta);
    for (const row of batch.daily.values()) mergeDaily(this.dailyRows, row);
    this.usage.putBack(batch.usage);
    this.history.unshift(batch.history);
    return this.trim();
  }

  counters(endpointId: string): RequestCounters | undefined {
    const waitingDelta = this.counterDeltas.get(endpointId);
    const flying = this.inFlight?.counters.get(endpointId);
    if (!waitingDelta && !flying) return undefined;
    const sum = zeroCounters();
    if (waitingDelta) addCounters(sum, waitingDelta);
    if (flying) addCounters(sum, flying);
    return sum;
  }

  counterIds(): string[] {
    return [...new Set([...this.counterDeltas.keys(), ...(this.inFlight?.counters.keys() ?? [])])];
  }

  daily(endpointId: string): DailyStatsRow[] {
    const merged = new Map<string, DailyStatsRow>();
    for (const source of [this.dailyRows, this.inFlight?.daily]) {
      for (const row of source?.values() ?? []) if (row.endpointId === endpointId) mergeDaily(merged, row);
    }
    return [...merged.values()];
  }

  private dateOf(at: number): string {
    if (!(at >= this.dayStart && at < this.dayStart + DAY_MS)) {
      this.dayStart = Math.floor(at / DAY_MS) * DAY_MS;
      this.dayText = utcDate(at);
    }
    return this.dayText;
  }

  private trim(): number {
    const excess = this.waitingRows - this.maxHistoryRows;
    if (excess <= 0) return 0;
    this.history.drop(excess);
    return excess;
  }
}

export function createPendingWrites(maxHistoryRows: number): PendingWrites {
  return new PendingBuffer(maxHistoryRows);
}
