// Owns one request's detail drawer: what it was (endpoint, key, tokens, TTFT, attempts in order) and, when
// bodies were stored (LLMLB_LOG_BODIES), the request and response pretty-printed in collapsible blocks.
import { useEffect, useState } from "preact/hooks";
import { fetchRequestDetail } from "../api/calls.js";
import type { RequestDetailJson } from "../api/types.js";
import { compact, DASH, duration } from "../format.js";
import { Overlay } from "./overlay.js";

/** JSON re-indented for reading; anything else (a truncated body) as it is. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function Body({ label, text, truncated }: { label: string; text: string | null; truncated: boolean }) {
  return (
    <details class="body-block" open>
      <summary>
        {label}
        {truncated && <span class="badge badge-pending">truncated</span>}
      </summary>
      {text === null ? (
        <p class="muted small">Not stored — bodies are kept only with LLMLB_LOG_BODIES=1.</p>
      ) : (
        <pre class="mono" data-body={label}>
          {pretty(text)}
        </pre>
      )}
    </details>
  );
}

function Fact({ label, children }: { label: string; children: preact.ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function Facts({ r }: { r: RequestDetailJson }) {
  return (
    <dl class="facts">
      <Fact label="Time">{new Date(r.timestamp).toLocaleString()}</Fact>
      <Fact label="Status">
        <span class={`badge badge-${r.status === "success" ? "online" : "error"}`}>{r.status_code}</span>
        {r.error && <span class="bad small"> {r.error}</span>}
      </Fact>
      <Fact label="Model">
        <span class="mono">{r.model}</span> <span class="muted small">{r.api_kind}</span>
      </Fact>
      <Fact label="Endpoint">{r.endpoint_name ?? DASH}</Fact>
      <Fact label="API key">{r.api_key_name ?? r.api_key_id ?? DASH}</Fact>
      <Fact label="Client">
        <span class="mono">{r.client_ip ?? DASH}</span>
      </Fact>
      <Fact label="Tokens">
        <span data-tokens>
          {compact(r.input_tokens)} in → {compact(r.output_tokens)} out
        </span>
        {r.tokens_estimated && <span class="muted small"> (estimated)</span>}
      </Fact>
      <Fact label="TTFT">{duration(r.ttft_ms)}</Fact>
      <Fact label="Duration">{duration(r.duration_ms)}</Fact>
      <Fact label="Stream">{r.stream ? "yes" : "no"}</Fact>
      <Fact label="Attempts">
        {r.attempts.length === 0 ? (
          DASH
        ) : (
          <ol class="attempts">
            {r.attempts.map((a, i) => (
              <li key={`${a.endpoint_id}-${i}`}>
                {a.endpoint_name} <span class="muted small">{a.status_code ?? "no answer"}</span>
                {a.error && <span class="bad small"> {a.error}</span>}
              </li>
            ))}
          </ol>
        )}
      </Fact>
    </dl>
  );
}

export function RequestDrawer({ id, onClose }: { id: number; onClose: () => void }) {
  const [detail, setDetail] = useState<RequestDetailJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    fetchRequestDetail(id)
      .then((loaded) => current && setDetail(loaded))
      .catch((e: Error) => current && setError(e.message));
    return () => {
      current = false;
    };
  }, [id]);
  return (
    <Overlay kind="drawer" onClose={onClose}>
      <aside class="drawer card" aria-label="Request detail" data-request-detail={id}>
        <header class="drawer-head">
          <h2>Request {detail ? <span class="mono small">{detail.request_id}</span> : null}</h2>
          <button type="button" class="icon" aria-label="Close" onClick={onClose}>
            ✕
          </button>
        </header>
        {error && <p class="form-error">{error}</p>}
        {!detail && !error && <p class="muted">Loading…</p>}
        {detail && (
          <>
            <Facts r={detail} />
            <Body label="Request" text={detail.request_body} truncated={detail.request_body_truncated} />
            <Body label="Response" text={detail.response_body} truncated={detail.response_body_truncated} />
          </>
        )}
      </aside>
    </Overlay>
  );
}
