// Owns configuring a benchmark run: model (from /v1/models), the endpoints serving it, requests per
// endpoint, concurrency, max tokens, streaming and an optional prompt.
import { useEffect, useState } from "preact/hooks";
import type { BenchmarkStart, ModelObjectJson } from "../api/types.js";
import { servingEndpoints } from "../playground/targets.js";

export function RunForm({
  models,
  busy,
  onStart,
}: {
  models: ModelObjectJson[];
  busy: boolean;
  onStart: (params: BenchmarkStart) => void;
}) {
  const [model, setModel] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [numbers, setNumbers] = useState({ requests: 20, concurrency: 2, max_tokens: 128 });
  const [stream, setStream] = useState(true);
  const [prompt, setPrompt] = useState("");
  const current = models.find((candidate) => candidate.id === model) ?? models[0];
  const endpoints = servingEndpoints(current);
  useEffect(() => setChosen(endpoints.map((endpoint) => endpoint.id)), [current?.id, endpoints.length]);

  const number = (name: keyof typeof numbers, label: string, max: number) => (
    <label class="field">
      <span>{label}</span>
      <input
        type="number"
        min={1}
        max={max}
        value={numbers[name]}
        onInput={(e) => setNumbers({ ...numbers, [name]: Number((e.target as HTMLInputElement).value) })}
      />
    </label>
  );
  return (
    <form
      class="card"
      aria-label="New benchmark run"
      onSubmit={(e) => {
        e.preventDefault();
        if (!current) return;
        onStart({
          endpoint_ids: chosen,
          model: current.id,
          ...numbers,
          stream,
          ...(prompt.trim() ? { prompt } : {}),
        });
      }}
    >
      <header class="card-head">
        <h2>New TPS benchmark</h2>
      </header>
      <label class="field">
        <span>Model</span>
        <select value={current?.id ?? ""} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}>
          {models.length === 0 && <option value="">No model is served right now</option>}
          {models.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.id}
            </option>
          ))}
        </select>
      </label>
      <fieldset class="choices">
        <legend class="muted">Endpoints</legend>
        {endpoints.map((endpoint) => (
          <label key={endpoint.id} class="choice">
            <input
              type="checkbox"
              checked={chosen.includes(endpoint.id)}
              onChange={() =>
                setChosen(
                  chosen.includes(endpoint.id)
                    ? chosen.filter((id) => id !== endpoint.id)
                    : [...chosen, endpoint.id],
                )
              }
            />
            {endpoint.name}
          </label>
        ))}
      </fieldset>
      <div class="field-row">
        {number("requests", "Requests per endpoint", 1000)}
        {number("concurrency", "Concurrency per endpoint", 64)}
        {number("max_tokens", "Max tokens", 32768)}
      </div>
      <label class="field">
        <span>Prompt (optional)</span>
        <textarea
          rows={2}
          value={prompt}
          placeholder="A built-in story prompt"
          onInput={(e) => setPrompt((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <div class="form-actions">
        <label class="choice">
          <input type="checkbox" checked={stream} onChange={() => setStream(!stream)} /> Stream
        </label>
        <button type="submit" class="primary" disabled={busy || !current || chosen.length === 0}>
          Run benchmark
        </button>
      </div>
    </form>
  );
}
