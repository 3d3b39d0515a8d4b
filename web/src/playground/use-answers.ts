// Owns running answers for the playground: one stream per slot, live state per slot, and one stop for all.
import { useRef, useState } from "preact/hooks";
import { type Answer, emptyAnswer } from "./answer-view.js";
import { streamChat } from "./chat-stream.js";

export interface AnswerRequest {
  url: string;
  body: unknown;
}

/** `answers[i]` follows `requests[i]` of the last start(); stop() ends every stream still running. */
export function useAnswers() {
  const [answers, setAnswers] = useState<Answer[]>([]);
  const controller = useRef<AbortController | null>(null);
  const update = (index: number, change: Partial<Answer>) =>
    setAnswers((current) => current.map((answer, i) => (i === index ? { ...answer, ...change } : answer)));

  const start = async (requests: AnswerRequest[]): Promise<Answer[]> => {
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    setAnswers(requests.map(emptyAnswer));
    const finals = await Promise.all(
      requests.map(async (request, index) => {
        const final: Answer = emptyAnswer();
        try {
          final.figures = await streamChat(request.url, request.body, abort.signal, {
            onText: (text) => {
              final.text = text;
              update(index, { text });
            },
            onFigures: (figures) => update(index, { figures }),
          });
        } catch (error) {
          final.error = abort.signal.aborted ? null : (error as Error).message;
        }
        final.streaming = false;
        update(index, { streaming: false, error: final.error });
        return final;
      }),
    );
    if (controller.current === abort) controller.current = null;
    return finals;
  };

  const stop = () => controller.current?.abort();
  const running = answers.some((answer) => answer.streaming);
  return { answers, start, stop, running, setAnswers };
}
