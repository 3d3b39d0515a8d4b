// Owns the playground page: a chat with one model (routed by llmlb or pinned to one endpoint), and
// "Compare": one prompt to 2–4 endpoints side by side, streaming in parallel through the per-endpoint route.
import { useEffect, useState } from "preact/hooks";
import { fetchModels } from "../api/calls.js";
import type { ModelObjectJson } from "../api/types.js";
import { type Answer, AnswerView } from "../playground/answer-view.js";
import { type ChatMessage, type ChatSettings, chatBody } from "../playground/chat-stream.js";
import { ComparePanel } from "../playground/compare-panel.js";
import { PromptForm } from "../playground/prompt-form.js";
import { SettingsForm } from "../playground/settings-form.js";
import { pinnedUrl, servingEndpoints } from "../playground/targets.js";
import { useAnswers } from "../playground/use-answers.js";

const ROUTED = "";
interface Turn {
  prompt: string;
  answer: Answer;
}

function ChatPanel({ settings, model }: { settings: ChatSettings; model: ModelObjectJson | undefined }) {
  const [target, setTarget] = useState(ROUTED);
  const [turns, setTurns] = useState<Turn[]>([]);
  const { answers, start, stop, running } = useAnswers();
  const endpoints = servingEndpoints(model);
  const shown = turns.map((turn, i) =>
    i === turns.length - 1 && answers[0] ? { ...turn, answer: answers[0] } : turn,
  );

  const send = async (prompt: string) => {
    const history: ChatMessage[] = shown.flatMap((turn) => [
      { role: "user" as const, content: turn.prompt },
      ...(turn.answer.text ? [{ role: "assistant" as const, content: turn.answer.text }] : []),
    ]);
    const body = chatBody(settings, [...history, { role: "user", content: prompt }]);
    setTurns([...shown, { prompt, answer: { text: "", figures: null, error: null, streaming: true } }]);
    const url = target === ROUTED ? "/v1/chat/completions" : pinnedUrl(target);
    const [final] = await start([{ url, body }]);
    if (final)
      setTurns((current) =>
        current.map((turn, i) => (i === current.length - 1 ? { ...turn, answer: final } : turn)),
      );
  };

  return (
    <section class="card chat" aria-label="Chat">
      <header class="card-head">
        <label class="inline-field">
          <span class="muted">Send to</span>
          <select value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
            <option value={ROUTED}>Any endpoint (routed by llmlb)</option>
            {endpoints.map((endpoint) => (
              <option key={endpoint.id} value={endpoint.id}>
                {endpoint.name} only
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={running || turns.length === 0} onClick={() => setTurns([])}>
          Clear
        </button>
      </header>
      <div class="transcript">
        {shown.length === 0 && (
          <p class="empty">Pick a model, write a prompt, and watch the answer stream.</p>
        )}
        {shown.map((turn, i) => (
          <div class="turn" key={i}>
            <div class="bubble user">{turn.prompt}</div>
            <AnswerView answer={turn.answer} />
          </div>
        ))}
      </div>
      <PromptForm
        label="Send"
        placeholder="Ask something… (Enter sends, Shift+Enter for a new line)"
        running={running}
        clearOnSend
        onSend={(text) => void send(text)}
        onStop={stop}
      />
    </section>
  );
}

export function PlaygroundPage() {
  const [models, setModels] = useState<ModelObjectJson[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<"chat" | "compare">("chat");
  const [settings, setSettings] = useState<ChatSettings>({
    model: "",
    system: "",
    temperature: 0.7,
    maxTokens: 512,
  });

  useEffect(() => {
    fetchModels()
      .then((list) => {
        setModels(list.data);
        setSettings((current) => (current.model ? current : { ...current, model: list.data[0]?.id ?? "" }));
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  const model = models.find((candidate) => candidate.id === settings.model);

  return (
    <main class="page playground">
      <div class="tabs" role="tablist">
        {(["chat", "compare"] as const).map((tab) => (
          <button
            key={tab}
            type="button"
            role="tab"
            aria-selected={mode === tab}
            class={mode === tab ? "tab current" : "tab"}
            onClick={() => setMode(tab)}
          >
            {tab === "chat" ? "Chat" : "Compare endpoints"}
          </button>
        ))}
      </div>
      {error && <p class="form-error">{error}</p>}
      <div class="playground-grid">
        <section class="card" aria-label="Settings">
          <SettingsForm models={models} settings={settings} onChange={setSettings} />
        </section>
        {mode === "chat" ? (
          <ChatPanel settings={settings} model={model} />
        ) : (
          <ComparePanel settings={settings} model={model} />
        )}
      </div>
    </main>
  );
}
