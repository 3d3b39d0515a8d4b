// Owns the playground's settings: model (from /v1/models), system prompt, temperature and max tokens.
import type { ModelObjectJson } from "../api/types.js";
import type { ChatSettings } from "./chat-stream.js";

export function SettingsForm({
  models,
  settings,
  onChange,
}: {
  models: ModelObjectJson[];
  settings: ChatSettings;
  onChange: (settings: ChatSettings) => void;
}) {
  const set = (change: Partial<ChatSettings>) => onChange({ ...settings, ...change });
  return (
    <div class="settings">
      <label class="field">
        <span>Model</span>
        <select
          value={settings.model}
          onChange={(e) => set({ model: (e.target as HTMLSelectElement).value })}
        >
          {models.length === 0 && <option value="">No model is served right now</option>}
          {models.map((model) => (
            <option key={model.id} value={model.id}>
              {model.id} ({model.endpoint_ids.length} endpoint{model.endpoint_ids.length === 1 ? "" : "s"})
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>System prompt</span>
        <textarea
          rows={3}
          value={settings.system}
          placeholder="You are a helpful assistant."
          onInput={(e) => set({ system: (e.target as HTMLTextAreaElement).value })}
        />
      </label>
      <div class="field-row two">
        <label class="field">
          <span>Temperature {settings.temperature.toFixed(1)}</span>
          <input
            type="range"
            min={0}
            max={2}
            step={0.1}
            value={settings.temperature}
            onInput={(e) => set({ temperature: Number((e.target as HTMLInputElement).value) })}
          />
        </label>
        <label class="field">
          <span>Max tokens</span>
          <input
            type="number"
            min={1}
            max={32768}
            value={settings.maxTokens}
            onInput={(e) =>
              set({ maxTokens: Math.max(1, Number((e.target as HTMLInputElement).value) || 1) })
            }
          />
        </label>
      </div>
    </div>
  );
}
