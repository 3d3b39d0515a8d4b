// Bench streaming client: sends chat-completion streams and records, per stream, time to first chunk,
// the gaps between content chunks and which SSE events arrived (times in ms, from performance.now()).
import { Agent, request } from "node:http";

export interface StreamRecord {
  status: number;
  /** Request sent → first content chunk received; null when none arrived. */
  ttftMs: number | null;
  /** Arrival gaps between consecutive content chunks. */
  gapsMs: number[];
  contentChunks: number;
  usageChunks: number;
  done: boolean;
  /** Concatenated delta.content. */
  content: string;
  /** Request sent → end of the response body. */
  totalMs: number;
  error: string | null;
}

export interface StreamTarget {
  url: string;
  headers: Record<string, string>;
}

/** Splits an SSE buffer into complete events' data payloads; returns the unparsed rest. */
export function parseSseEvents(buffer: string): { payloads: string[]; rest: string } {
  const payloads: string[] = [];
  let start = 0;
  for (;;) {
    const end = buffer.indexOf("\n\n", start);
    if (end === -1) break;
    const event = buffer.slice(start, end);
    start = end + 2;
    const data = event
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trimStart())
      .join("\n");
    if (data !== "") payloads.push(data);
  }
  return { payloads, rest: buffer.slice(start) };
}

/** The streaming route and how its events read: OpenAI chat chunks, or Anthropic Messages events. */
export type StreamApi = "chat" | "messages";

interface StreamEvent {
  choices?: { delta?: { content?: string } }[];
  usage?: unknown;
  type?: string;
  delta?: { type?: string; text?: string };
}

/** An Anthropic event's content text (null: not a content event); message_stop counts as [DONE]. */
function messagesEvent(event: StreamEvent, record: StreamRecord): string | null {
  if (event.type === "message_stop") record.done = true;
  if (event.type === "message_delta") record.usageChunks++;
  return event.type === "content_block_delta" ? (event.delta?.text ?? "") : null;
}

/** One streaming request to target.url + /v1/chat/completions (or /v1/messages) with the given JSON body. */
export function streamOnce(
  target: StreamTarget,
  body: string,
  agent: Agent,
  timeoutMs = 30_000,
  api: StreamApi = "chat",
): Promise<StreamRecord> {
  const record: StreamRecord = {
    status: 0,
    ttftMs: null,
    gapsMs: [],
    contentChunks: 0,
    usageChunks: 0,
    done: false,
    content: "",
    totalMs: 0,
    error: null,
  };
  return new Promise((resolve) => {
    const started = performance.now();
    let lastChunkAt = 0;
    let buffer = "";
    const finish = (error: string | null) => {
      if (record.totalMs === 0) record.totalMs = performance.now() - started;
      if (error && !record.error) record.error = error;
      clearTimeout(timer);
      resolve(record);
    };
    const req = request(
      `${target.url}${api === "messages" ? "/v1/messages" : "/v1/chat/completions"}`,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", accept: "text/event-stream", ...target.headers },
      },
      (res) => {
        record.status = res.statusCode ?? 0;
        res.setEncoding("utf8");
        res.on("data", (text: string) => {
          const now = performance.now();
          const parsed = parseSseEvents(buffer + text);
          buffer = parsed.rest;
          for (const payload of parsed.payloads) {
            if (payload === "[DONE]") {
              record.done = true;
              continue;
            }
            let event: StreamEvent;
            try {
              event = JSON.parse(payload);
            } catch {
              record.error = `unparsable event: ${payload.slice(0, 80)}`;
              continue;
            }
            let content: string | null;
            if (api === "messages") content = messagesEvent(event, record);
            else if (!event.choices || event.choices.length === 0) {
              if (event.usage) record.usageChunks++;
              content = null;
            } else content = event.choices[0]?.delta?.content ?? "";
            if (content === null) continue;
            if (record.contentChunks === 0) record.ttftMs = now - started;
            else record.gapsMs.push(now - lastChunkAt);
            lastChunkAt = now;
            record.contentChunks++;
            record.content += content;
          }
        });
        res.on("end", () => finish(record.status === 200 ? null : `HTTP ${record.status}`));
        res.on("error", (error) => finish(error.message));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`stream timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("error", (error) => finish(error.message));
    req.end(body);
  });
}

export interface StreamRunSummary {
  streams: number;
  failed: number;
  ttftMs: number[];
  gapsMs: number[];
  /** SSE events received (content + usage + [DONE]) over events expected. */
  delivered: number;
  expected: number;
  totalMs: number[];
}

/**
 * Runs `count` streams with `concurrency` workers (closed loop: a worker starts its next stream when the
 * previous one ends). expectedEvents = content chunks + usage chunk + [DONE] per stream.
 */
export async function runStreams(
  target: StreamTarget,
  body: string,
  options: {
    concurrency: number;
    count: number;
    expectedEvents: number;
    timeoutMs?: number;
    /** Worker i starts i × staggerMs after worker 0, so streams do not all tick in phase. */
    staggerMs?: number;
    /** Reuse warm keep-alive connections across runs; a private agent is made (and closed) otherwise. */
    agent?: Agent;
  },
): Promise<StreamRunSummary> {
  const agent = options.agent ?? new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const records: StreamRecord[] = [];
  let next = 0;
  const worker = async (index: number) => {
    if (options.staggerMs)
      await new Promise((resolve) => setTimeout(resolve, index * (options.staggerMs ?? 0)));
    while (next < options.count) {
      next++;
      records.push(await streamOnce(target, body, agent, options.timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  if (!options.agent) agent.destroy();
  return aggregate(records, options.expectedEvents);
}

export function aggregate(records: readonly StreamRecord[], expectedEvents: number): StreamRunSummary {
  let delivered = 0;
  for (const record of records)
    delivered += record.contentChunks + record.usageChunks + (record.done ? 1 : 0);
  return {
    streams: records.length,
    failed: records.filter((record) => record.error !== null).length,
    ttftMs: records.flatMap((record) => (record.ttftMs === null ? [] : [record.ttftMs])),
    gapsMs: records.flatMap((record) => record.gapsMs),
    delivered,
    expected: expectedEvents * records.length,
    totalMs: records.map((record) => record.totalMs),
  };
}
