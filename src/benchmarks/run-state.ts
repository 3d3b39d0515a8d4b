// Owns one benchmark run's state in memory (samples per endpoint, progress, status) and its conversion to
// the wire shape and the database row. Pure: times come in as arguments.
import type { BenchmarkRunRow } from "../db/benchmark-runs.js";
import { isoTime, isoTimeOrNull } from "../http/wire-time.js";
import {
  type BenchmarkParams,
  type BenchmarkResultJson,
  type BenchmarkRunJson,
  type BenchmarkSample,
  type BenchmarkStatus,
  endpointResult,
} from "./figures.js";

export class RunState {
  status: BenchmarkStatus = "running";
  done = 0;
  error: string | null = null;
  finishedAt: number | null = null;
  readonly total: number;
  readonly controller = new AbortController();
  private readonly samples = new Map<string, BenchmarkSample[]>();

  constructor(
    readonly id: string,
    readonly params: BenchmarkParams,
    /** Endpoint names at the start of the run (kept if an endpoint is renamed or removed). */
    private readonly names: Map<string, string>,
    /** Epoch ms. */
    readonly createdAt: number,
  ) {
    this.total = params.requests * params.endpoint_ids.length;
    for (const id of params.endpoint_ids) this.samples.set(id, []);
  }

  add(sample: BenchmarkSample, error: string | null): void {
    this.samples.get(sample.endpointId)?.push(sample);
    this.done += 1;
    if (error !== null && this.error === null && error !== "cancelled") this.error = error;
  }

  /** Every request failed (and none was cancelled): the run failed. */
  get allFailed(): boolean {
    return this.results().every((result) => result.requests > 0 && result.errors === result.requests);
  }

  finish(status: BenchmarkStatus, at: number): void {
    this.status = status;
    this.finishedAt = at;
  }

  results(): BenchmarkResultJson[] {
    return this.params.endpoint_ids.map((id) =>
      endpointResult(id, this.names.get(id) ?? id, this.samples.get(id) ?? []),
    );
  }

  toJson(): BenchmarkRunJson {
    return {
      run_id: this.id,
      status: this.status,
      progress: { done: this.done, total: this.total },
      results: this.results(),
      params: this.params,
      // The first request error explains a failed run; a completed run with some errors keeps it too.
      error: this.error,
      created_at: isoTime(this.createdAt),
      finished_at: isoTimeOrNull(this.finishedAt),
    };
  }

  toRow(updatedAt: number): BenchmarkRunRow {
    return {
      id: this.id,
      status: this.status,
      params: JSON.stringify(this.params),
      done: this.done,
      total: this.total,
      results: JSON.stringify(this.results()),
      error: this.error,
      createdAt: this.createdAt,
      updatedAt,
      finishedAt: this.finishedAt,
    };
  }
}

/** A stored run as JSON; a `running` row nobody updated for `staleMs` belongs to an instance that stopped. */
export function runJsonFromRow(row: BenchmarkRunRow, now: number, staleMs: number): BenchmarkRunJson {
  const interrupted = row.status === "running" && now - row.updatedAt > staleMs;
  return {
    run_id: row.id,
    status: interrupted ? "failed" : (row.status as BenchmarkStatus),
    progress: { done: row.done, total: row.total },
    results: JSON.parse(row.results) as BenchmarkResultJson[],
    params: JSON.parse(row.params) as BenchmarkParams,
    error: interrupted ? "interrupted: the llmlb instance running it stopped" : row.error,
    created_at: isoTime(row.createdAt),
    finished_at: isoTimeOrNull(row.finishedAt),
  };
}
