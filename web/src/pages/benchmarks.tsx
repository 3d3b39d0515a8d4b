// Owns the benchmarks page: start a run (admins), watch it (BenchmarkProgress events refetch it), its
// results table and chart, and the history of kept runs.
import { useEffect, useState } from "preact/hooks";
import {
  cancelBenchmark,
  fetchBenchmark,
  fetchBenchmarks,
  fetchModels,
  startBenchmark,
} from "../api/calls.js";
import type { BenchmarkRunJson, ModelObjectJson } from "../api/types.js";
import { RunForm } from "../benchmarks/run-form.js";
import { RunView } from "../benchmarks/run-view.js";
import { notify } from "../components/toast.js";
import { useThrottled } from "../components/use-throttled.js";
import { clockTime } from "../format.js";
import { benchmarkProgress, resyncs } from "../state/model.js";

function History({
  runs,
  selected,
  onSelect,
}: {
  runs: BenchmarkRunJson[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  return (
    <section class="card" aria-label="Past runs">
      <header class="card-head">
        <h2>Past runs</h2>
        <span class="muted">the newest 50 are kept</span>
      </header>
      {runs.length === 0 ? (
        <p class="empty">No benchmark has run yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="clickable stacked">
            <thead>
              <tr>
                <th>Started</th>
                <th>Model</th>
                <th>Endpoints</th>
                <th>Status</th>
                <th class="num">Requests</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr
                  key={run.run_id}
                  class={run.run_id === selected ? "selected" : undefined}
                  onClick={() => onSelect(run.run_id)}
                >
                  <td data-label="Started">{clockTime(Date.parse(run.created_at))}</td>
                  <td data-label="Model">{run.params.model}</td>
                  <td data-label="Endpoints">
                    {run.results.map((result) => result.endpoint_name).join(", ")}
                  </td>
                  <td data-label="Status">
                    <span class={`run-status run-${run.status}`}>{run.status}</span>
                  </td>
                  <td class="num" data-label="Requests">
                    {run.progress.done}/{run.progress.total}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function BenchmarksPage({ isAdmin }: { isAdmin: boolean }) {
  const [models, setModels] = useState<ModelObjectJson[]>([]);
  const [runs, setRuns] = useState<BenchmarkRunJson[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [run, setRun] = useState<BenchmarkRunJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  const progress = selected ? benchmarkProgress.value[selected] : undefined;
  // Each progress event of the shown run refetches it, at most a few times a second.
  const tick = useThrottled(`${progress?.done ?? 0}-${progress?.status ?? ""}`, 300);

  const loadRuns = () =>
    fetchBenchmarks()
      .then((answer) => setRuns(answer.runs))
      .catch((e: Error) => setError(e.message));
  useEffect(() => {
    void loadRuns();
    if (isAdmin)
      fetchModels().then(
        (answer) => setModels(answer.data),
        (e: Error) => setError(e.message),
      );
  }, [resyncs.value]);
  useEffect(() => {
    if (!selected) return;
    fetchBenchmark(selected)
      .then((fresh) => {
        setRun(fresh);
        if (fresh.status !== "running") void loadRuns();
      })
      .catch((e: Error) => setError(e.message));
  }, [selected, tick]);

  const start = async (params: Parameters<typeof startBenchmark>[0]) => {
    try {
      const { run_id } = await startBenchmark(params);
      setSelected(run_id);
      void loadRuns();
    } catch (e) {
      notify((e as Error).message, "error");
    }
  };
  const cancel = async () => {
    if (!run) return;
    try {
      setRun(await cancelBenchmark(run.run_id));
      void loadRuns();
    } catch (e) {
      notify((e as Error).message, "error");
    }
  };

  return (
    <main class="page">
      {error && <p class="form-error">{error}</p>}
      {isAdmin && (
        <RunForm models={models} busy={run?.status === "running"} onStart={(params) => void start(params)} />
      )}
      {run && <RunView run={run} onCancel={isAdmin ? () => void cancel() : null} />}
      <History runs={runs} selected={selected} onSelect={setSelected} />
    </main>
  );
}
