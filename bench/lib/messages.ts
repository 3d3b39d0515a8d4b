// Bench section 7: /v1/messages (Anthropic, translated) against the same request on /v1/chat/completions,
// on one llmlb: streamed TTFT at c=1 (paired streams, alternating which goes first) and non-streamed
// throughput at c=10, interleaved over rounds, with the llmlb process's CPU time per request (from /proc:
// robust when other work shares the machine, which moves req/s). The difference is what the translation adds.
import { Agent } from "node:http";
import type { LoadDriver, LoadResult } from "./load.js";
import { STREAM_CHUNKS } from "./plan.js";
import { cpuMs } from "./processes.js";
import { CHAT_BODY, type Log, STREAM_BODY } from "./scenarios.js";
import { median, ms, pct } from "./stats.js";
import { streamOnce } from "./stream-client.js";
import type { Target } from "./targets.js";

export const MESSAGES_BODY = JSON.stringify({
  model: "m0",
  max_tokens: 180,
  messages: [{ role: "user", content: "Write one paragraph about load balancing." }],
});
const MESSAGES_STREAM_BODY = JSON.stringify({
  model: "m0",
  max_tokens: STREAM_CHUNKS,
  stream: true,
  messages: [{ role: "user", content: "Count." }],
});

export interface MessagesBench {
  target: string;
  /** TTFT (request sent → first content event) per stream, ms. */
  chatTtftMs: number[];
  messagesTtftMs: number[];
  /** messages − chat TTFT of each adjacent pair, ms. */
  pairDiffMs: number[];
  chatLoad: LoadResult[];
  messagesLoad: LoadResult[];
  /** llmlb's CPU time per request in each load slice, µs. */
  chatCpuUs: number[];
  messagesCpuUs: number[];
  failed: number;
}

export async function runMessagesBench(
  driver: LoadDriver,
  target: Target,
  plan: { rounds: number; streamsC1: number; sliceS: { c10: number } },
  log: Log,
): Promise<MessagesBench> {
  const result: MessagesBench = {
    target: target.name,
    chatTtftMs: [],
    messagesTtftMs: [],
    pairDiffMs: [],
    chatLoad: [],
    messagesLoad: [],
    chatCpuUs: [],
    messagesCpuUs: [],
    failed: 0,
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const pairs = plan.rounds * plan.streamsC1 * 2;
  for (let i = 0; i < 5; i++) await streamOnce(target, MESSAGES_STREAM_BODY, agent, 30_000, "messages");
  for (let i = 0; i < pairs; i++) {
    const runs = [
      () => streamOnce(target, STREAM_BODY, agent, 30_000, "chat"),
      () => streamOnce(target, MESSAGES_STREAM_BODY, agent, 30_000, "messages"),
    ];
    const [first, second] = i % 2 === 0 ? [runs[0], runs[1]] : [runs[1], runs[0]];
    const a = await (first as () => ReturnType<typeof streamOnce>)();
    const b = await (second as () => ReturnType<typeof streamOnce>)();
    const [chat, messages] = i % 2 === 0 ? [a, b] : [b, a];
    if (chat.error || messages.error || chat.ttftMs === null || messages.ttftMs === null) {
      result.failed++;
      continue;
    }
    result.chatTtftMs.push(chat.ttftMs);
    result.messagesTtftMs.push(messages.ttftMs);
    result.pairDiffMs.push(messages.ttftMs - chat.ttftMs);
  }
  agent.destroy();
  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 === 0 ? (["chat", "messages"] as const) : (["messages", "chat"] as const);
    for (const api of order) {
      const cpuBefore = cpuMs(target.process.pid);
      const load = await driver.run({
        url: `${target.url}${api === "chat" ? "/v1/chat/completions" : "/v1/messages"}`,
        body: api === "chat" ? CHAT_BODY : MESSAGES_BODY,
        headers: target.headers,
        connections: 10,
        durationS: plan.sliceS.c10,
      });
      (api === "chat" ? result.chatLoad : result.messagesLoad).push(load);
      const cpuUs = ((cpuMs(target.process.pid) - cpuBefore) * 1000) / Math.max(1, load.requests);
      (api === "chat" ? result.chatCpuUs : result.messagesCpuUs).push(cpuUs);
      log(
        `  round ${round + 1} ${api.padEnd(8)} c=10 ${target.name.padEnd(12)} ${Math.round(load.rps)} req/s`,
      );
    }
  }
  return result;
}

const rps = (loads: readonly LoadResult[]) => median(loads.map((load) => load.rps));

/** Added TTFT (median of paired differences), the non-stream req/s ratio and the CPU-cost ratio (chat / messages). */
export function messagesFigures(bench: MessagesBench) {
  return {
    addedTtftMs: median(bench.pairDiffMs),
    throughput: rps(bench.messagesLoad) / rps(bench.chatLoad),
    cpuThroughput: median(bench.chatCpuUs) / median(bench.messagesCpuUs),
  };
}

export function messagesTable(benches: readonly MessagesBench[]): string {
  const rows = benches.map((bench) => {
    const figures = messagesFigures(bench);
    return [
      bench.target,
      ms(median(bench.chatTtftMs)),
      ms(median(bench.messagesTtftMs)),
      ms(figures.addedTtftMs),
      Math.round(rps(bench.chatLoad)).toString(),
      Math.round(rps(bench.messagesLoad)).toString(),
      pct(figures.throughput),
      `${median(bench.chatCpuUs).toFixed(0)} / ${median(bench.messagesCpuUs).toFixed(0)}`,
      pct(figures.cpuThroughput),
      String(bench.failed),
    ];
  });
  const head = [
    "target",
    "chat TTFT p50",
    "messages TTFT p50",
    "added TTFT (paired p50)",
    "chat req/s c=10",
    "messages req/s c=10",
    "messages / chat",
    "CPU µs/req chat / messages",
    "CPU-bound messages / chat",
    "failed pairs",
  ];
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}
