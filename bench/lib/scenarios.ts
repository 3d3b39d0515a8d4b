// Bench scenarios: each runs one measurement across targets, interleaved (round r starts at target r),
// and returns raw results; report.ts turns them into tables.

import { Agent } from "node:http";
import type { LoadDriver, LoadResult } from "./load.js";
import { STREAM_CHUNKS, STREAM_INTERVAL_MS } from "./plan.js";
import { aggregate, runStreams, type StreamRunSummary } from "./stream-client.js";

export interface EndpointTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
}

export const CHAT_BODY = JSON.stringify({
  model: "m0",
  messages: [{ role: "user", content: "Write one paragraph about load balancing." }],
  max_tokens: 180,
});
export const SLOW_BODY = CHAT_BODY.replace('"m0"', '"m1500"');
export const STREAM_BODY = JSON.stringify({
  model: "m0",
  messages: [{ role: "user", content: "Count." }],
  max_tokens: STREAM_CHUNKS,
  stream: true,
  stream_options: { include_usage: true },
});
/** Content chunks + usage chunk + [DONE]. */
export const STREAM_EVENTS = STREAM_CHUNKS + 2;

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export type Log = (line: string) => void;

/** name → results of every slice, in run order. */
export type LoadResults = Map<string, LoadResult[]>;

export async function runLoadLevels(
  driver: LoadDriver,
  targets: readonly EndpointTarget[],
  levels: readonly { key: string; connections: number; durationS: number; body: string }[],
  rounds: number,
  log: Log,
): Promise<Map<string, LoadResults>> {
  const byLevel = new Map<string, LoadResults>(levels.map((level) => [level.key, new Map()]));
  for (let round = 0; round < rounds; round++) {
    for (const level of levels) {
      for (const target of rotate(targets, round)) {
        const result = await driver.run({
          url: `${target.url}/v1/chat/completions`,
          body: level.body,
          headers: target.headers,
          connections: level.connections,
          durationS: level.durationS,
        });
        const perTarget = byLevel.get(level.key) as LoadResults;
        perTarget.set(target.name, [...(perTarget.get(target.name) ?? []), result]);
        const bad = result.errors + result.non2xx;
        log(
          `  round ${round + 1} ${level.key.padEnd(8)} ${target.name.padEnd(16)} ${Math.round(result.rps)
            .toString()
            .padStart(
              6,
            )} req/s  p50 ${result.p50Ms.toFixed(3)} ms  p99 ${result.p99Ms.toFixed(3)} ms${bad ? `  ${bad} failed` : ""}`,
        );
      }
    }
  }
  return byLevel;
}

export const slowLevel = (durationS: number) => ({
  key: "slow c=100",
  connections: 100,
  durationS,
  body: SLOW_BODY,
});

/** key "c=1" | "c=50" → target name → merged summary over rounds. */
export async function runStreaming(
  targets: readonly EndpointTarget[],
  plan: { rounds: number; streamsC1: number; streamsPerWorkerC50: number },
  log: Log,
): Promise<Map<string, Map<string, StreamRunSummary>>> {
  const levels = [
    { key: "c=1", concurrency: 1, count: plan.streamsC1 },
    { key: "c=50", concurrency: 50, count: 50 * plan.streamsPerWorkerC50 },
  ];
  const raw = new Map<string, Map<string, StreamRunSummary[]>>(levels.map((level) => [level.key, new Map()]));
  // One keep-alive pool per target, warmed by an unrecorded pass, so no measured stream pays a TCP connect.
  const agents = new Map(
    targets.map((target) => [target.name, new Agent({ keepAlive: true, maxSockets: 50 })]),
  );
  const options = (level: { concurrency: number; count: number }, target: EndpointTarget) => ({
    concurrency: level.concurrency,
    count: level.count,
    expectedEvents: STREAM_EVENTS,
    // Starts spread over one stream's duration: c=50 means 50 streams open at once in steady state, not a
    // burst of 50 requests in the same millisecond.
    staggerMs: (STREAM_CHUNKS * STREAM_INTERVAL_MS) / level.concurrency,
    agent: agents.get(target.name) as Agent,
  });
  for (const target of targets)
    await runStreams(target, STREAM_BODY, options({ concurrency: 50, count: 50 }, target));
  for (let round = 0; round < plan.rounds; round++) {
    for (const level of levels) {
      for (const target of rotate(targets, round)) {
        const summary = await runStreams(target, STREAM_BODY, options(level, target));
        const perTarget = raw.get(level.key) as Map<string, StreamRunSummary[]>;
        perTarget.set(target.name, [...(perTarget.get(target.name) ?? []), summary]);
        log(
          `  round ${round + 1} stream ${level.key.padEnd(5)} ${target.name.padEnd(16)} ${summary.streams} streams, ${summary.failed} failed, ${summary.delivered}/${summary.expected} events`,
        );
      }
    }
  }
  for (const agent of agents.values()) agent.destroy();
  const merged = new Map<string, Map<string, StreamRunSummary>>();
  for (const [key, perTarget] of raw) {
    const out = new Map<string, StreamRunSummary>();
    for (const [name, summaries] of perTarget) out.set(name, mergeStreams(summaries));
    merged.set(key, out);
  }
  return merged;
}

export function mergeStreams(summaries: readonly StreamRunSummary[]): StreamRunSummary {
  const merged = aggregate([], STREAM_EVENTS);
  for (const summary of summaries) {
    merged.streams += summary.streams;
    merged.failed += summary.failed;
    merged.delivered += summary.delivered;
    merged.expected += summary.expected;
    merged.ttftMs.push(...summary.ttftMs);
    merged.gapsMs.push(...summary.gapsMs);
    merged.totalMs.push(...summary.totalMs);
  }
  return merged;
}
