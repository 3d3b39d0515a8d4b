// Owns one benchmark request: built like a client's chat request, sent through the proxy pinned to one
// endpoint (same dispatcher, queue, max_concurrency and accounting as user traffic), read to its end and
// timed from the caller's side.
import { createParser } from "eventsource-parser";
import type { Clock } from "../clock.js";
import { toAppError } from "../errors.js";
import type { ProxyCall } from "../proxy/proxy-request.js";
import type { ProxyService } from "../proxy/service.js";
import type { BenchmarkParams, BenchmarkSample } from "./figures.js";

export interface MeasureDeps {
  proxy: ProxyService;
  clock: Clock;
}

export interface Measured {
  sample: BenchmarkSample;
  error: string | null;
}

function benchmarkCall(params: BenchmarkParams, endpointId: string, signal: AbortSignal): ProxyCall {
  const body = {
    model: params.model,
    messages: [{ role: "user", content: params.prompt }],
    max_tokens: params.max_tokens,
    stream: params.stream,
    ...(params.stream ? { stream_options: { include_usage: true } } : {}),
  };
  return {
    apiKind: "chat_completions",
    path: "/v1/chat/completions",
    body,
    rawBody: JSON.stringify(body),
    requestId: `bench-${crypto.randomUUID()}`,
    clientIp: null,
    apiKeyId: null,
    // Below users: on a saturated endpoint a queued interactive request goes before the run's next one.
    priority: "batch",
    signal,
    accept: params.stream ? "text/event-stream" : "application/json",
    source: "benchmark",
    pinnedEndpointId: endpointId,
  };
}

interface StreamFigures {
  firstTokenAt: number | null;
  chunks: number;
  usageTokens: number | null;
}

/** Reads an OpenAI SSE stream: when the first content arrived, content chunks, the usage chunk's count. */
async function readStream(body: ReadableStream<Uint8Array>, clock: Clock): Promise<StreamFigures> {
  const figures: StreamFigures = { firstTokenAt: null, chunks: 0, usageTokens: null };
  const parser = createParser({
    onEvent: ({ data }) => {
      if (data === "[DONE]") return;
      let chunk: { choices?: { delta?: { content?: unknown } }[]; usage?: { completion_tokens?: unknown } };
      try {
        chunk = JSON.parse(data);
      } catch {
        return;
      }
      const content = chunk.choices?.[0]?.delta?.content;
      if (typeof content === "string" && content !== "") {
        figures.firstTokenAt ??= clock.monotonic();
        figures.chunks += 1;
      }
      const tokens = chunk.usage?.completion_tokens;
      if (typeof tokens === "number") figures.usageTokens = tokens;
    },
  });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    parser.feed(decoder.decode(read.value, { stream: true }));
  }
  return figures;
}

/** Sends one request and measures it; never throws (failures are samples with ok: false). */
export async function measureOne(
  deps: MeasureDeps,
  params: BenchmarkParams,
  endpointId: string,
  signal: AbortSignal,
): Promise<Measured> {
  const startedAt = deps.clock.monotonic();
  const failed = (error: string): Measured => ({
    sample: {
      endpointId,
      ok: false,
      startedAt,
      endedAt: deps.clock.monotonic(),
      ttftMs: null,
      outputTokens: 0,
      decodeTps: null,
    },
    error,
  });
  try {
    const response = await deps.proxy.handle(benchmarkCall(params, endpointId, signal));
    if (response.status !== 200 || !response.body) {
      const text = response.body ? await response.text() : "";
      return failed(`HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`);
    }
    if (!params.stream) {
      const answer = (await response.json()) as { usage?: { completion_tokens?: number } };
      const endedAt = deps.clock.monotonic();
      const outputTokens = answer.usage?.completion_tokens ?? 0;
      const sample = {
        endpointId,
        ok: true,
        startedAt,
        endedAt,
        ttftMs: endedAt - startedAt,
        outputTokens,
        decodeTps: null,
      };
      return { sample, error: null };
    }
    const figures = await readStream(response.body, deps.clock);
    const endedAt = deps.clock.monotonic();
    if (signal.aborted) return failed("cancelled");
    const outputTokens = figures.usageTokens ?? figures.chunks;
    const first = figures.firstTokenAt;
    const decodeSecs = first === null ? 0 : (endedAt - first) / 1000;
    const decodeTps = outputTokens > 1 && decodeSecs > 0 ? (outputTokens - 1) / decodeSecs : null;
    const ttftMs = first === null ? null : first - startedAt;
    return {
      sample: { endpointId, ok: true, startedAt, endedAt, ttftMs, outputTokens, decodeTps },
      error: null,
    };
  } catch (error) {
    return failed(signal.aborted ? "cancelled" : toAppError(error).message);
  }
}
