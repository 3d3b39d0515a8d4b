// Owns the balancer log page (admins): the ring's recent lines, then new lines live as LogLine events;
// a minimum-level filter, a text filter, and pause (the view holds still while lines keep arriving).
import { useEffect, useRef, useState } from "preact/hooks";
import { fetchLbLogs } from "../api/calls.js";
import type { LogLineJson } from "../api/types.js";
import { clockTime } from "../format.js";
import { logLines, resyncs, setLogSnapshot } from "../state/model.js";

const LEVELS = ["debug", "info", "warn", "error"] as const;
const RANK = { debug: 0, info: 1, warn: 2, error: 3 } as const;
/** Lines rendered at most (the newest). */
const SHOWN = 500;

function fieldsOf(line: LogLineJson): string {
  const { time: _time, level: _level, msg: _msg, ...fields } = line;
  return Object.entries(fields)
    .map(([name, value]) => `${name}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
}

function LogRow({ line }: { line: LogLineJson }) {
  return (
    <div class={`log-line log-${line.level}`}>
      <time class="muted" dateTime={line.time}>
        {clockTime(Date.parse(line.time))}
      </time>
      <span class="log-level">{line.level}</span>
      <span class="log-msg">{line.msg}</span>
      <span class="log-fields muted">{fieldsOf(line)}</span>
    </div>
  );
}

export function LogsPage() {
  const [level, setLevel] = useState<(typeof LEVELS)[number]>("info");
  const [text, setText] = useState("");
  const [paused, setPaused] = useState<LogLineJson[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const tail = useRef<HTMLDivElement>(null);
  const resync = resyncs.value;

  useEffect(() => {
    fetchLbLogs(SHOWN * 2)
      .then((answer) => {
        setLogSnapshot(answer.logs);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, [resync]);

  const all = paused ?? logLines.value;
  const needle = text.trim().toLowerCase();
  const shown = all
    .filter((line) => RANK[line.level] >= RANK[level])
    .filter((line) => !needle || `${line.msg} ${fieldsOf(line)}`.toLowerCase().includes(needle))
    .slice(-SHOWN);
  const pausedAt = paused?.[paused.length - 1]?.time ?? "";
  const waiting = paused ? logLines.value.filter((line) => line.time > pausedAt).length : 0;

  useEffect(() => {
    const element = tail.current;
    if (element && !paused) element.scrollTop = element.scrollHeight;
  }, [shown.length, paused]);

  return (
    <main class="page">
      <section class="card">
        <header class="card-head">
          <h2>Balancer log</h2>
          <span class="muted">{paused ? `paused · ${waiting} new` : "live"}</span>
        </header>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <select
            aria-label="Minimum level"
            value={level}
            onChange={(e) => setLevel((e.target as HTMLSelectElement).value as typeof level)}
          >
            {LEVELS.map((name) => (
              <option key={name} value={name}>
                {name} and above
              </option>
            ))}
          </select>
          <input
            placeholder="Filter text"
            aria-label="Filter text"
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
          <button type="button" onClick={() => setPaused(paused ? null : logLines.value)}>
            {paused ? "Resume" : "Pause"}
          </button>
        </form>
        {error && <p class="form-error">{error}</p>}
        <div class="log-tail" ref={tail} role="log" aria-live={paused ? "off" : "polite"}>
          {shown.length === 0 ? (
            <p class="empty">No log lines at this level yet.</p>
          ) : (
            shown.map((line, i) => <LogRow key={`${line.time}-${i}`} line={line} />)
          )}
        </div>
      </section>
    </main>
  );
}
