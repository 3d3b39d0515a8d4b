// Owns showing one answer: its Markdown rendered safely (throttled while it streams) and the footer with
// the endpoint that answered, TTFT, decode speed and tokens.
import { useMemo } from "preact/hooks";
import { useThrottled } from "../components/use-throttled.js";
import { DASH, duration, tps } from "../format.js";
import { renderMarkdown } from "../markdown.js";
import type { AnswerFigures } from "./chat-stream.js";

export interface Answer {
  text: string;
  figures: AnswerFigures | null;
  error: string | null;
  streaming: boolean;
}

export const emptyAnswer = (): Answer => ({ text: "", figures: null, error: null, streaming: true });

export function AnswerFooter({ figures, streaming }: { figures: AnswerFigures | null; streaming: boolean }) {
  return (
    <footer class="answer-footer">
      <span title="The endpoint that answered (x-llmlb-endpoint)">
        <span class="muted">endpoint</span> <b class="answer-endpoint">{figures?.endpoint ?? DASH}</b>
      </span>
      <span>
        <span class="muted">TTFT</span> {duration(figures?.ttftMs)}
      </span>
      <span class="answer-tps">{tps(figures?.tokensPerSec)}</span>
      <span title={figures?.estimated ? "Counted from the stream: the server sent no usage" : undefined}>
        {figures ? `${figures.estimated ? "≈" : ""}${figures.tokens} tokens` : DASH}
      </span>
      {streaming && <span class="muted">streaming…</span>}
    </footer>
  );
}

export function AnswerView({ answer }: { answer: Answer }) {
  // Re-rendering Markdown on every token is wasteful: at most ~12 times a second, always ending on the last.
  const text = useThrottled(answer.text, 80);
  const html = useMemo(() => renderMarkdown(text), [text]);
  return (
    <div class="answer">
      {answer.error ? (
        <p class="form-error" role="alert">
          {answer.error}
        </p>
      ) : text === "" && answer.streaming ? (
        <p class="muted">Waiting for the first token…</p>
      ) : (
        // Safe: renderMarkdown escapes raw HTML and sanitises the result with DOMPurify (web/src/markdown.ts).
        <div class="markdown" dangerouslySetInnerHTML={{ __html: html }} />
      )}
      <AnswerFooter figures={answer.figures} streaming={answer.streaming} />
    </div>
  );
}
