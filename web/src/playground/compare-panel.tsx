// Owns "Compare": one prompt sent to 2–4 chosen endpoints at once through the per-endpoint route, their
// answers streaming side by side, each with its own footer.
import { useEffect, useState } from "preact/hooks";
import type { ModelObjectJson } from "../api/types.js";
import { AnswerView } from "./answer-view.js";
import { type ChatSettings, chatBody } from "./chat-stream.js";
import { PromptForm } from "./prompt-form.js";
import { pinnedUrl, servingEndpoints } from "./targets.js";
import { useAnswers } from "./use-answers.js";

const MAX = 4;

export function ComparePanel({
  settings,
  model,
}: {
  settings: ChatSettings;
  model: ModelObjectJson | undefined;
}) {
  const endpoints = servingEndpoints(model);
  const [chosen, setChosen] = useState<string[]>([]);
  const [sent, setSent] = useState<string[]>([]);
  const { answers, start, stop, running } = useAnswers();
  const key = endpoints.map((endpoint) => endpoint.id).join(",");
  // A new model: preselect its first endpoints.
  useEffect(() => setChosen(endpoints.slice(0, 2).map((endpoint) => endpoint.id)), [key]);

  const toggle = (id: string) =>
    setChosen((current) =>
      current.includes(id) ? current.filter((other) => other !== id) : [...current, id].slice(-MAX),
    );
  const send = (prompt: string) => {
    const body = chatBody(settings, [{ role: "user", content: prompt }]);
    setSent(chosen);
    void start(chosen.map((id) => ({ url: pinnedUrl(id), body })));
  };
  const nameOf = (id: string) => endpoints.find((endpoint) => endpoint.id === id)?.name ?? id;

  return (
    <section class="card compare" aria-label="Compare endpoints">
      <fieldset class="choices">
        <legend class="muted">Endpoints serving {model?.id ?? "the model"} (choose 2–4)</legend>
        {endpoints.length < 2 && (
          <p class="empty">Comparing needs a model that at least two online endpoints serve.</p>
        )}
        {endpoints.map((endpoint) => (
          <label key={endpoint.id} class="choice">
            <input
              type="checkbox"
              checked={chosen.includes(endpoint.id)}
              onChange={() => toggle(endpoint.id)}
            />
            {endpoint.name}
          </label>
        ))}
      </fieldset>
      <PromptForm
        label="Compare"
        placeholder="One prompt for every chosen endpoint"
        running={running}
        canSend={chosen.length >= 2}
        clearOnSend={false}
        onSend={send}
        onStop={stop}
      />
      <div class="compare-grid">
        {answers.map((answer, i) => (
          <article class="compare-pane" key={sent[i]} aria-label={`Answer from ${nameOf(sent[i] ?? "")}`}>
            <h3>{nameOf(sent[i] ?? "")}</h3>
            <AnswerView answer={answer} />
          </article>
        ))}
      </div>
    </section>
  );
}
