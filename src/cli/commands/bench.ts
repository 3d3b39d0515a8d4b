// Owns `llmlb bench`: drives streamed chat completions through llmlb's /v1 at a fixed concurrency and
// reports per-request TTFT and output speed, and the run's throughput. Wall-clock figures from this client.
import { Command } from "commander";
import { createParser } from "eventsource-parser";
import { type Api, RequestTimeout } from "../client.js";
import { action, type CliIo, positiveInt } from "../context.js";
import { emit, fields } from "../output.js";

export interface BenchOptions {
  requests: number;
  concurrency: number;
  maxTokens: number;
  prompt: string;
  /** Bound of one streamed request, whole stream included, s. */
  requestTimeout: number;
}

/** One streamed request. ms from send; tokens from the usage chunk, else counted content chunks. */
export interface BenchSample {
  ok: boolean;
  error: string | null;
  ttft_ms: number | null;
  duration_ms: number;
  output_tokens: number;
  tokens_from_usage: boolean;
  /** Output tokens / seconds after the first token; null with fewer than 2 tokens. */
  decode_tps: number | null;
}

interface Chunk {
  choices?: { delta?: { content?: string | null } }[];
  usage?: { completion_tokens?: number } | null;
}

async function readStream(response: Response, started: number): Promise<Omit<BenchSample, "decode_tps">> {
  let ttft: number | null = null;
  let chunks = 0;
  let usageTokens: number | null = null;
  const onData = (data: string) => {
    if (data === "[DONE]") return;
    const chunk = JSON.parse(data) as Chunk;
    if (chunk.choices?.some((choice) => choice.delta?.content)) {
      ttft ??= performance.now() - started;
      chunks += 1;
    }
    if (typeof chunk.usage?.completion_tokens === "number") usageTokens = chunk.usage.completion_tokens;
  };
  const parser = createParser({ onEvent: (event) => onData(event.data) });
  const decoder = new TextDecoder();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    parser.feed(decoder.decode(read.value, { stream: true }));
  }
  return {
    ok: true,
    error: null,
    ttft_ms: ttft,
    duration_ms: performance.now() - started,
    output_tokens: usageTokens ?? chunks,
    tokens_from_usage: usageTokens !== null,
  };
}

async function oneRequest(api: Api, model: string, options: BenchOptions): Promise<BenchSample> {
  const started = performance.now();
  const failed = (error: string): BenchSample => ({
    ok: false,
    error,
    ttft_ms: null,
    duration_ms: performance.now() - started,
    output_tokens: 0,
    tokens_from_usage: false,
    decode_tps: null,
  });
  let response: Response;
  try {
    response = await api.fetch(
      "/v1/chat/completions",
      {
        method: "POST",
        headers: await api.headers(true),
        body: JSON.stringify({
          model,
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: options.maxTokens,
          messages: [{ role: "user", content: options.prompt }],
        }),
      },
      options.requestTimeout * 1000,
    );
  } catch (error) {
    // One slow request is a failed sample; an unreachable llmlb ends the run.
    if (error instanceof RequestTimeout) return failed(error.message);
    throw error;
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    return failed(`${response.status} ${body?.error?.message ?? response.statusText}`);
  }
  try {
    const sample = await readStream(response, started);
    const decodeSecs = sample.ttft_ms === null ? 0 : (sample.duration_ms - sample.ttft_ms) / 1000;
    const decode =
      sample.output_tokens > 1 && decodeSecs > 0 ? (sample.output_tokens - 1) / decodeSecs : null;
    return { ...sample, decode_tps: decode };
  } catch (error) {
    if ((error as Error).name === "TimeoutError") {
      return failed(`the stream did not end within ${options.requestTimeout} s (--request-timeout)`);
    }
    return failed(`stream broke: ${(error as Error).message}`);
  }
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

export function summarize(samples: BenchSample[], wallMs: number) {
  const ok = samples.filter((sample) => sample.ok);
  const ttfts = ok.flatMap((sample) => (sample.ttft_ms === null ? [] : [sample.ttft_ms]));
  const speeds = ok.flatMap((sample) => (sample.decode_tps === null ? [] : [sample.decode_tps]));
  const tokens = ok.reduce((sum, sample) => sum + sample.output_tokens, 0);
  return {
    requests: samples.length,
    succeeded: ok.length,
    failed: samples.length - ok.length,
    errors: [...new Set(samples.flatMap((sample) => (sample.error ? [sample.error] : [])))],
    ttft_ms_p50: percentile(ttfts, 50),
    ttft_ms_p95: percentile(ttfts, 95),
    decode_tps_p50: percentile(speeds, 50),
    output_tokens: tokens,
    tokens_from_usage: ok.length > 0 && ok.every((sample) => sample.tokens_from_usage),
    wall_secs: wallMs / 1000,
    throughput_tps: wallMs > 0 ? tokens / (wallMs / 1000) : 0,
  };
}

async function runBench(api: Api, model: string, options: BenchOptions, progress: (line: string) => void) {
  const samples: BenchSample[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < options.requests) {
      next += 1;
      const sample = await oneRequest(api, model, options);
      samples.push(sample);
      progress(
        `bench: ${samples.length}/${options.requests} done${sample.ok ? "" : ` (failed: ${sample.error})`}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.requests) }, worker));
  return { model, ...options, summary: summarize(samples, performance.now() - started), samples };
}

export function benchCommand(io: CliIo): Command {
  return new Command("bench")
    .description(
      "stream chat completions for a model through llmlb; report TTFT and tokens/s (exit 1 if any fail)",
    )
    .argument("<model>", "a model id from /v1/models")
    .option("-n, --requests <n>", "requests in total", positiveInt("--requests", 10_000), 10)
    .option("-c, --concurrency <n>", "requests in flight at once", positiveInt("--concurrency", 256), 2)
    .option("--max-tokens <n>", "max_tokens of each request", positiveInt("--max-tokens", 100_000), 128)
    .option("--prompt <text>", "the user message", "Write a short story about a lighthouse keeper.")
    .option(
      "--request-timeout <secs>",
      "bound of one streamed request (the global --timeout is for API calls)",
      positiveInt("--request-timeout", 86_400),
      600,
    )
    .action(
      action(io, async (run, model: string, options: BenchOptions) => {
        const result = await runBench(run.api, model, options, (line) => io.stderr(`${line}\n`));
        const s = result.summary;
        emit(run.out, result, () =>
          fields([
            ["model", model],
            ["requests", `${s.succeeded} ok, ${s.failed} failed (concurrency ${options.concurrency})`],
            ["ttft_ms p50 / p95", `${fmt(s.ttft_ms_p50)} / ${fmt(s.ttft_ms_p95)}`],
            ["decode tok/s p50", fmt(s.decode_tps_p50)],
            [
              "output tokens",
              `${s.output_tokens}${s.tokens_from_usage ? "" : " (counted chunks: no usage reported)"}`,
            ],
            ["throughput tok/s", fmt(s.throughput_tps)],
            ["wall time s", fmt(s.wall_secs)],
            ...s.errors.map((error): [string, string] => ["error", error]),
          ]),
        );
        if (s.failed > 0) run.exitCode = 1;
      }),
    );
}

const fmt = (value: number | null) => (value === null ? "-" : value.toFixed(1));
