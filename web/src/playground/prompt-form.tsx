// Owns the prompt box: a textarea (Enter sends, Shift+Enter breaks the line) with Send, or Stop while
// answers stream.
import { useState } from "preact/hooks";

export function PromptForm({
  label,
  placeholder,
  running,
  canSend = true,
  clearOnSend,
  onSend,
  onStop,
}: {
  /** The submit button's text. */
  label: string;
  placeholder: string;
  running: boolean;
  /** Extra condition besides a non-empty prompt (e.g. enough endpoints chosen). */
  canSend?: boolean;
  clearOnSend: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}) {
  const [text, setText] = useState("");
  const ready = text.trim() !== "" && canSend && !running;
  const send = () => {
    if (!ready) return;
    onSend(text);
    if (clearOnSend) setText("");
  };
  return (
    <form
      class="prompt"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <textarea
        rows={3}
        aria-label="Prompt"
        placeholder={placeholder}
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            send();
          }
        }}
      />
      {running ? (
        <button type="button" class="danger" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" class="primary" disabled={!ready}>
          {label}
        </button>
      )}
    </form>
  );
}
