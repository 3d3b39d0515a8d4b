// Owns TPS benchmark runs: admission (one run at a time, known endpoints serving the model), driving the
// requests with the run's own per-endpoint concurrency cap, cancellation, BenchmarkProgress events, and
// keeping runs in the database (the newest 50) with a heartbeat so a stopped instance's run reads as failed.

import type { Clock, Timers } from "../clock.js";
import {
  KEPT_RUNS,
  listBenchmarkRuns,
  pruneBenchmarkRuns,
  readBenchmarkRun,
  saveBenchmarkRun,
} from "../db/benchmark-runs.js";
import type { DatabaseHandle } from "../db/client.js";
import { AppError } from "../errors.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";
import type { ProxyService } from "../proxy/service.js";
import type { EndpointDirectory } from "../registry/types.js";
import type { BenchmarkParams, BenchmarkRunJson } from "./figures.js";
import { measureOne } from "./measure.js";
import { RunState, runJsonFromRow } from "./run-state.js";

export interface BenchmarkDeps {
  database: DatabaseHandle;
  directory: EndpointDirectory;
  proxy: ProxyService;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  defer: (work: Promise<unknown>) => void;
  /** The heartbeat's timer (built by the composition root). */
  timers: Timers;
}

/** While running, the row is rewritten at least this often; a row older than STALE_MS is an orphan. */
const HEARTBEAT_MS = 30_000;
const STALE_MS = 3 * HEARTBEAT_MS;
/** Progress writes and events at most this often while running (always at the end). */
const PERSIST_MS = 2_000;
const EVENT_MS = 250;

/** Runs in memory on this instance, plus their rows in the database. */
export class BenchmarkService {
  private readonly active = new Map<string, { state: RunState; finished: Promise<void> }>();
  /** Finished runs of this instance, for reads while the database is unavailable (bounded). */
  private readonly recent = new Map<string, RunState>();

  constructor(private readonly deps: BenchmarkDeps) {}

  /** Validates and starts a run in the background; resolves with its id. */
  async start(params: BenchmarkParams): Promise<string> {
    const { deps } = this;
    checkTargets(deps.directory, params);
    const running = [...this.active.values()][0];
    if (running) {
      throw new AppError(
        "conflict",
        `Benchmark run ${running.state.id} is still running; cancel it or wait`,
        {
          code: "benchmark_running",
        },
      );
    }
    const names = new Map(params.endpoint_ids.map((id) => [id, deps.directory.get(id)?.name ?? id]));
    const state = new RunState(crypto.randomUUID(), params, names, deps.clock.now());
    deps.logger.info("benchmark run started", { run_id: state.id, model: params.model, total: state.total });
    this.publish(state);
    // Registered before anything is awaited: a second start() at the same moment sees this run.
    const finished = this.persist(state)
      .then(() => this.execute(state))
      .catch((error: unknown) => {
        state.error = error instanceof Error ? error.message : String(error);
        state.finish("failed", deps.clock.now());
        deps.logger.error("benchmark run failed", { run_id: state.id, error });
        this.publish(state);
        return this.persist(state);
      })
      .finally(() => {
        this.active.delete(state.id);
        this.recent.set(state.id, state);
        if (this.recent.size > KEPT_RUNS) this.recent.delete(this.recent.keys().next().value as string);
      });
    this.active.set(state.id, { state, finished });
    deps.defer(finished);
    return state.id;
  }

  /** The run's state (memory first, then the database); 404 when unknown. */
  async get(id: string): Promise<BenchmarkRunJson> {
    const local = this.active.get(id)?.state ?? this.recent.get(id);
    if (local) return local.toJson();
    const database = this.deps.database;
    const row = database.migrated ? await readBenchmarkRun(database.db, id).catch(unavailable) : undefined;
    if (!row) throw new AppError("not_found", `No benchmark run with id '${id}'`, { code: "run_not_found" });
    return runJsonFromRow(row, this.deps.clock.now(), STALE_MS);
  }

  /** The kept runs, newest first (this instance's live state where it has one). */
  async list(): Promise<BenchmarkRunJson[]> {
    const database = this.deps.database;
    const rows = database.migrated ? await listBenchmarkRuns(database.db).catch(unavailable) : [];
    const now = this.deps.clock.now();
    const local = new Map<string, RunState>([
      ...this.recent,
      ...[...this.active].map(([id, run]) => [id, run.state] as const),
    ]);
    const runs = rows.map((row) => local.get(row.id)?.toJson() ?? runJsonFromRow(row, now, STALE_MS));
    const stored = new Set(rows.map((row) => row.id));
    for (const [id, state] of local) if (!stored.has(id)) runs.push(state.toJson());
    return runs.sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, KEPT_RUNS);
  }

  /** Cancels a running run (stops sending, aborts requests in flight); a finished run is returned as is. */
  async cancel(id: string): Promise<BenchmarkRunJson> {
    const run = this.active.get(id);
    if (run) {
      run.state.controller.abort();
      await run.finished;
    }
    return this.get(id);
  }

  /** Cancels every run of this instance and waits for them to end (shutdown). */
  async stop(): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) run.state.controller.abort();
    await Promise.all(runs.map((run) => run.finished));
  }

  private async persist(state: RunState): Promise<void> {
    const database = this.deps.database;
    if (!database.migrated) return;
    try {
      await saveBenchmarkRun(database.db, state.toRow(this.deps.clock.now()));
      if (state.status !== "running") await pruneBenchmarkRuns(database.db);
    } catch (error) {
      this.deps.logger.warn("saving a benchmark run failed", { run_id: state.id, error });
    }
  }

  private publish(state: RunState): void {
    this.deps.events.publish({
      type: "BenchmarkProgress",
      data: { run_id: state.id, status: state.status, done: state.done, total: state.total },
    });
  }

  /** Each endpoint gets `concurrency` workers pulling from its own count of `requests`. */
  private async execute(state: RunState): Promise<void> {
    const { deps } = this;
    let lastPersist = deps.clock.monotonic();
    let lastEvent = 0;
    let stopHeartbeat = () => {};
    const beat = () => {
      deps.defer(this.persist(state));
      stopHeartbeat = deps.timers.after(HEARTBEAT_MS, beat, { background: true });
    };
    stopHeartbeat = deps.timers.after(HEARTBEAT_MS, beat, { background: true });
    const signal = state.controller.signal;
    const worker = async (endpointId: string, counter: { next: number }) => {
      while (counter.next < state.params.requests && !signal.aborted) {
        counter.next += 1;
        const measured = await measureOne(deps, state.params, endpointId, signal);
        if (signal.aborted) return;
        state.add(measured.sample, measured.error);
        const now = deps.clock.monotonic();
        if (now - lastEvent >= EVENT_MS) {
          lastEvent = now;
          this.publish(state);
        }
        if (now - lastPersist >= PERSIST_MS) {
          lastPersist = now;
          deps.defer(this.persist(state));
        }
      }
    };
    try {
      await Promise.all(
        state.params.endpoint_ids.flatMap((endpointId) => {
          const counter = { next: 0 };
          return Array.from({ length: state.params.concurrency }, () => worker(endpointId, counter));
        }),
      );
    } finally {
      stopHeartbeat();
    }
    const status = signal.aborted ? "cancelled" : state.allFailed ? "failed" : "completed";
    state.finish(status, deps.clock.now());
    deps.logger.info("benchmark run ended", {
      run_id: state.id,
      status,
      done: state.done,
      total: state.total,
    });
    this.publish(state);
    await this.persist(state);
  }
}

function unavailable(error: unknown): never {
  throw new AppError("unavailable", "Benchmark history is unavailable: the database did not answer", {
    code: "database_unavailable",
    cause: error,
  });
}

/** Every endpoint must exist (404), be online and serve the model (400), before anything is sent. */
function checkTargets(directory: EndpointDirectory, params: BenchmarkParams): void {
  const serving = new Set(directory.routesFor(params.model).map((route) => route.endpoint.id));
  for (const id of params.endpoint_ids) {
    const endpoint = directory.get(id);
    if (!endpoint) {
      throw new AppError("not_found", `No endpoint with id '${id}'`, {
        code: "endpoint_not_found",
        param: "endpoint_ids",
      });
    }
    if (endpoint.status !== "online") {
      throw new AppError("bad_request", `Endpoint '${endpoint.name}' is ${endpoint.status}`, {
        code: "endpoint_unavailable",
        param: "endpoint_ids",
      });
    }
    if (!serving.has(id)) {
      throw new AppError(
        "bad_request",
        `Endpoint '${endpoint.name}' does not serve the model '${params.model}'`,
        {
          code: "model_not_found",
          param: "model",
        },
      );
    }
  }
}
