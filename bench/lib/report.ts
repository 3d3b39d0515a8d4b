// Bench report: turns raw results into the markdown tables printed to the terminal and written to
// bench/results.md, plus the verdict against the issue's targets.

import type { LoadResult } from "./load.js";
import { type MessagesBench, messagesFigures, messagesTable } from "./messages.js";
import { type Plan, SLOW_LATENCY_MS } from "./plan.js";
import { makespanGain, type RoutingFleetRun } from "./routing.js";
import type { LoadResults } from "./scenarios.js";
import { SSE_CLIENTS, type SseRun } from "./sse-clients.js";
import { added, median, ms, num, pct, summarize } from "./stats.js";
import type { StreamRunSummary } from "./stream-client.js";
import { type UploadBench, uploadFigures, uploadsTable } from "./uploads.js";

export const DIRECT = "direct to mock";
export const BARE = "bare node proxy";
export const BARE_BUN = "bare bun proxy";
export const NODE = "llmlb node";
export const BUN_TARGET = "llmlb bun";

export interface BenchResults {
  plan: Plan;
  header: string[];
  targets: string[];
  /** Section 1's peer gateway (measured in section 1 only, interleaved with the targets), or why it was not. */
  peer: { name: string; measured: boolean; note: string } | null;
  load: Map<string, LoadResults>;
  streaming: Map<string, Map<string, StreamRunSummary>>;
  persistence: {
    on: LoadResult[];
    /** The recorder disabled by LLMLB_BENCH_RECORDER_OFF (the baseline). */
    off: LoadResult[];
    /** The previous method: SQLite triggers abort every flush's first write. */
    aborted: LoadResult[];
    definition: string;
    /** Share (0–1) of busy CPU inside the recorder's flush, from each process's CPU profile. */
    flushShare: { on: number; off: number; aborted: number };
    /** Process CPU time (all threads) per request over the measured slices, µs. */
    cpuUsPerRequest: { on: number; off: number; aborted: number };
  } | null;
  /** Section 6: llmlb node slices with and without SSE_CLIENTS /api/events clients. */
  sse: SseRun[];
  memory: { name: string; idleMiB: number; peakMiB: number; firstBootMs: number[]; restartMs: number[] }[];
  /** Section 5, one run per fleet (sharing, batching, mixed). */
  routing: RoutingFleetRun[];
  /** One `auto` decision among 100 endpoints, µs (in process). */
  routerDecision: { medianUs: number; p99Us: number } | null;
  /** Section 7: /v1/messages vs /v1/chat/completions per llmlb runtime. */
  messages: MessagesBench[];
  /** Section 9: a 10 MiB transcription upload, direct vs through llmlb, per llmlb runtime. */
  uploads: UploadBench[];
  /** The sharing fleet's lower bound on makespan. */
  idealMakespanMs: number;
  notes: string[];
}

export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  slices: number;
}

/** Median over interleaved slices of req/s, p50 and p99. */
export function loadFigures(results: readonly LoadResult[] | undefined): LoadFigures {
  const list = results ?? [];
  return {
    rps: median(list.map((r) => r.rps)),
    p50: median(list.map((r) => r.p50Ms)),
    p99: median(list.map((r) => r.p99Ms)),
    failed: list.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
    slices: list.length,
  };
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

function fig(results: BenchResults, level: string, target: string): LoadFigures {
  return loadFigures(results.load.get(level)?.get(target));
}

/** The bare proxy a target is compared with: Bun's for Bun targets, Node's otherwise. */
const bareFor = (target: string) => (target.includes("bun") ? BARE_BUN : BARE);

/** Section 1's rows: every target, then the peer when it was measured. */
const loadTargets = (r: BenchResults) => (r.peer?.measured ? [...r.targets, r.peer.name] : r.targets);

function nonStreamTable(r: BenchResults): string {
  const rows = loadTargets(r).map((t) => {
    const bare = fig(r, "c=50", bareFor(t));
    const c50 = fig(r, "c=50", t);
    const c1 = fig(r, "c=1", t);
    const c10 = fig(r, "c=10", t);
    const d1 = fig(r, "c=1", DIRECT);
    const d10 = fig(r, "c=10", DIRECT);
    const failed = c50.failed + c1.failed + c10.failed;
    return [
      t,
      num(c50.rps),
      t === DIRECT || t === bareFor(t) ? "–" : pct(c50.rps / bare.rps),
      ms(c50.p50),
      ms(c50.p99),
      ms(c1.p50),
      ms(c1.p99),
      ms(c10.p50),
      ms(c10.p99),
      t === DIRECT ? "–" : added(c1.p50, d1.p50),
      t === DIRECT ? "–" : added(c10.p99, d10.p99),
      String(failed),
    ];
  });
  return table(
    [
      "target",
      "req/s c=50",
      "vs bare (same runtime)",
      "p50 c=50",
      "p99 c=50",
      "p50 c=1",
      "p99 c=1",
      "p50 c=10",
      "p99 c=10",
      "added p50 c=1",
      "added p99 c=10",
      "failed",
    ],
    rows,
  );
}

/** The peer at c=50 and llmlb's req/s as a multiple of it (same run, same mock), or why it was not measured. */
function peerLine(r: BenchResults): string | null {
  if (!r.peer?.measured) return r.peer?.note ?? null;
  const peer = fig(r, "c=50", r.peer.name);
  const versus = [NODE, BUN_TARGET]
    .filter((t) => r.targets.includes(t))
    .map(
      (t) =>
        `${t} ${(fig(r, "c=50", t).rps / peer.rps).toFixed(1)}× its req/s (p99 ${ms(fig(r, "c=50", t).p99)} ms)`,
    );
  return `Peer, c=50, same run and mock: ${r.peer.name} ${num(peer.rps)} req/s, p50 ${ms(peer.p50)} ms, p99 ${ms(peer.p99)} ms, ${peer.failed} failed${versus.length ? `; ${versus.join(", ")}` : ""}.`;
}

function slowTable(r: BenchResults): string | null {
  const level = r.load.get("slow c=100");
  if (!level || level.size === 0) return null;
  const direct = fig(r, "slow c=100", DIRECT);
  // wrk counts requests completed inside the slice: 100 connections finish floor(S / 1.5 s) waves in S seconds.
  const seconds = r.plan.concurrencyS;
  const ideal = (Math.floor(seconds / (SLOW_LATENCY_MS / 1000)) * 100) / seconds;
  return table(
    ["target", `req/s (ideal ${ideal.toFixed(1)} in ${seconds} s)`, "p50", "p99", "added p99", "failed"],
    loadTargets(r).map((t) => {
      const f = fig(r, "slow c=100", t);
      return [
        t,
        f.rps.toFixed(1),
        ms(f.p50),
        ms(f.p99),
        t === DIRECT ? "–" : added(f.p99, direct.p99),
        String(f.failed),
      ];
    }),
  );
}

function streamFigures(summary: StreamRunSummary | undefined) {
  const ttft = summarize(summary?.ttftMs ?? []);
  const gaps = summarize(summary?.gapsMs ?? []);
  const delivered = summary && summary.expected > 0 ? summary.delivered / summary.expected : Number.NaN;
  return { ttft, gaps, delivered, streams: summary?.streams ?? 0, failed: summary?.failed ?? 0 };
}

function streamTable(r: BenchResults): string {
  const rows: string[][] = [];
  for (const [level, perTarget] of r.streaming) {
    const direct = streamFigures(perTarget.get(DIRECT));
    for (const t of r.targets) {
      const s = streamFigures(perTarget.get(t));
      const isDirect = t === DIRECT;
      rows.push([
        t,
        level,
        `${s.streams}${s.failed ? ` (${s.failed} failed)` : ""}`,
        ms(s.ttft.p50),
        ms(s.ttft.p99),
        isDirect ? "–" : added(s.ttft.p50, direct.ttft.p50),
        isDirect ? "–" : added(s.ttft.p99, direct.ttft.p99),
        ms(s.gaps.p99),
        isDirect ? "–" : added(s.gaps.p99, direct.gaps.p99),
        pct(s.delivered),
      ]);
    }
  }
  return table(
    [
      "target",
      "streams",
      "n",
      "TTFT p50",
      "TTFT p99",
      "added TTFT p50",
      "added TTFT p99",
      "gap p99",
      "added lag p99",
      "chunks delivered",
    ],
    rows,
  );
}

function persistenceTable(r: BenchResults): string | null {
  if (!r.persistence) return null;
  const on = loadFigures(r.persistence.on);
  const off = loadFigures(r.persistence.off);
  const aborted = loadFigures(r.persistence.aborted);
  const share = r.persistence.flushShare;
  const cpuUs = r.persistence.cpuUsPerRequest;
  const row = (name: string, f: LoadFigures, key: keyof typeof cpuUs, vsOff: boolean) => [
    name,
    num(f.rps),
    ms(f.p99),
    String(f.failed),
    pct(share[key]),
    vsOff ? pct(f.rps / off.rps) : "–",
    vsOff ? added(f.p99, off.p99) : "–",
    num(cpuUs[key]),
    vsOff ? pct(cpuUs.off / cpuUs[key]) : "–",
  ];
  return table(
    [
      "recorder",
      "req/s c=50",
      "p99",
      "failed",
      "flush CPU",
      "req/s vs off",
      "p99 vs off",
      "CPU µs/req",
      "CPU-bound on/off",
    ],
    [
      row("on (writing the file)", on, "on", true),
      row("off (LLMLB_BENCH_RECORDER_OFF=1)", off, "off", false),
      row("writes aborted (previous method)", aborted, "aborted", true),
    ],
  );
}

function memoryTable(r: BenchResults): string {
  const starts = (values: number[]) => (values.length ? `${ms(median(values))} (n=${values.length})` : "–");
  return table(
    ["process", "RSS idle MiB", "RSS peak MiB", "first boot → /ready ms", "restart → /ready ms"],
    r.memory.map((m) => [
      m.name,
      m.idleMiB.toFixed(1),
      m.peakMiB.toFixed(1),
      starts(m.firstBootMs),
      starts(m.restartMs),
    ]),
  );
}

function routingTable(run: RoutingFleetRun): string {
  const versus = (x: RoutingFleetRun["results"][number], baseline: string) =>
    x.mode === baseline ? "–" : `${(makespanGain(run.results, x.mode, baseline) * 100).toFixed(1)} % shorter`;
  return table(
    [
      "mode",
      "makespan s",
      "vs round_robin",
      "vs least_connections",
      ...run.endpoints.map((e) => `${e} share`),
      "failed",
    ],
    run.results.map((x) => {
      const total = Object.values(x.served).reduce((sum, n) => sum + n, 0);
      return [
        x.mode,
        (x.makespanMs / 1000).toFixed(2),
        versus(x, "round_robin"),
        versus(x, "least_connections"),
        ...run.endpoints.map((e) => pct((x.served[e] ?? 0) / total)),
        String(x.streams.failed),
      ];
    }),
  );
}

function sseTable(r: BenchResults): string | null {
  if (r.sse.length === 0) return null;
  const none = loadFigures(r.sse.filter((x) => x.clients === 0).map((x) => x.load));
  const rows = [0, SSE_CLIENTS].map((clients) => {
    const runs = r.sse.filter((x) => x.clients === clients);
    const f = loadFigures(runs.map((x) => x.load));
    return [
      clients === 0 ? "none" : `${clients} (1 never reads)`,
      num(f.rps),
      ms(f.p99),
      clients === 0 ? "–" : pct(f.rps / none.rps),
      clients === 0 ? "–" : `${(median(runs.map((x) => x.bytesPerClientPerS)) / 1024).toFixed(0)} KiB/s`,
      String(f.failed),
    ];
  });
  return table(["/api/events clients", "req/s c=50", "p99", "vs none", "per reading client", "failed"], rows);
}

export interface Verdict {
  goal: string;
  measured: string;
  met: boolean;
}

export function verdicts(r: BenchResults): Verdict[] {
  const out: Verdict[] = [];
  const node = fig(r, "c=50", NODE);
  const bun = fig(r, "c=50", BUN_TARGET);
  const push = (goal: string, value: number, shown: string, ok: (v: number) => boolean) => {
    if (Number.isFinite(value)) out.push({ goal, measured: shown, met: ok(value) });
  };
  const vsBare = (f: LoadFigures, bare: string) => f.rps / fig(r, "c=50", bare).rps;
  push("Node req/s ≥ 60 % of bare Node proxy", vsBare(node, BARE), pct(vsBare(node, BARE)), (v) => v >= 0.6);
  push(
    "Bun req/s ≥ 80 % of bare Bun proxy",
    vsBare(bun, BARE_BUN),
    pct(vsBare(bun, BARE_BUN)),
    (v) => v >= 0.8,
  );
  if (r.load.has("c=50")) {
    const failing = loadTargets(r).flatMap((t) => {
      const failed = [...r.load.values()].reduce((sum, level) => sum + loadFigures(level.get(t)).failed, 0);
      return failed > 0 ? [`${t}: ${failed} failed`] : [];
    });
    out.push({
      goal: `non-streaming: every request answered 2xx (${r.peer?.measured ? "every target and the peer" : "every target"})`,
      measured: failing.length ? failing.join(", ") : "0 failed",
      met: failing.length === 0,
    });
  }
  const p50c1 = fig(r, "c=1", NODE).p50 - fig(r, "c=1", DIRECT).p50;
  push("Node added latency p50 c=1 ≤ 0.3 ms", p50c1, `${ms(p50c1)} ms`, (v) => v <= 0.3);
  const p99c10 = fig(r, "c=10", NODE).p99 - fig(r, "c=10", DIRECT).p99;
  push("Node added latency p99 c=10 ≤ 5 ms", p99c10, `${ms(p99c10)} ms`, (v) => v <= 5);
  for (const [level, perTarget] of r.streaming) {
    const direct = streamFigures(perTarget.get(DIRECT));
    for (const t of [NODE, BUN_TARGET]) {
      const s = streamFigures(perTarget.get(t));
      const ttft = s.ttft.p50 - direct.ttft.p50;
      push(`${t} added TTFT p50 ≤ 1 ms (${level})`, ttft, `${ms(ttft)} ms`, (v) => v <= 1);
      const lag = s.gaps.p99 - direct.gaps.p99;
      push(`${t} added inter-chunk lag p99 ≤ 1 ms (${level})`, lag, `${ms(lag)} ms`, (v) => v <= 1);
      push(`${t} 100 % chunks delivered (${level})`, s.delivered, pct(s.delivered), (v) => v >= 1);
    }
  }
  if (r.persistence) {
    const on = loadFigures(r.persistence.on);
    const off = loadFigures(r.persistence.off);
    push(
      "persistence costs ≤ 10 % throughput (req/s on / off)",
      on.rps / off.rps,
      pct(on.rps / off.rps),
      (v) => v >= 0.9,
    );
    push(
      "persistence costs ≤ 1 ms p99 (on − off)",
      on.p99 - off.p99,
      `${added(on.p99, off.p99)} ms`,
      (v) => v <= 1,
    );
  }
  for (const m of r.memory) {
    push(`${m.name} RSS peak ≤ 120 MiB`, m.peakMiB, `${m.peakMiB.toFixed(1)} MiB`, (v) => v <= 120);
    const restart = median(m.restartMs);
    const bound = m.name === NODE ? 300 : 500;
    push(`${m.name} cold start (restart) ≤ ${bound} ms`, restart, `${ms(restart)} ms`, (v) => v <= bound);
    const first = median(m.firstBootMs);
    push(`${m.name} cold start (first boot) ≤ 0.5 s`, first, `${ms(first)} ms`, (v) => v <= 500);
  }
  if (r.sse.length > 0) {
    const none = loadFigures(r.sse.filter((x) => x.clients === 0).map((x) => x.load));
    const many = loadFigures(r.sse.filter((x) => x.clients === SSE_CLIENTS).map((x) => x.load));
    const ratio = many.rps / none.rps;
    push(`req/s with ${SSE_CLIENTS} /api/events clients ≥ 85 % of none`, ratio, pct(ratio), (v) => v >= 0.85);
  }
  const fleet = (name: string) => r.routing.find((run) => run.fleet === name)?.results ?? [];
  const sharing = makespanGain(fleet("sharing"), "auto", "round_robin");
  push(
    "sharing fleet: auto makespan ≥ 25 % shorter than round_robin",
    sharing,
    pct(sharing),
    (v) => v >= 0.25,
  );
  const mixed = makespanGain(fleet("mixed"), "auto", "least_connections");
  push(
    "mixed fleet: auto makespan ≥ 25 % shorter than least_connections",
    mixed,
    pct(mixed),
    (v) => v >= 0.25,
  );
  if (r.routerDecision) {
    const us = r.routerDecision.medianUs;
    push(
      "router decision, 100 endpoints × 1 model: median ≤ 20 µs",
      us,
      `${us.toFixed(2)} µs`,
      (v) => v <= 20,
    );
  }
  for (const bench of r.uploads) {
    const figures = uploadFigures(bench);
    push(
      `${bench.target} 10 MiB upload wall time ≤ 10 % over direct`,
      figures.addedShare,
      pct(figures.addedShare),
      (v) => v <= 0.1,
    );
    push(
      `${bench.target} RSS growth during uploads < file size`,
      figures.rssGrowthMiB,
      `${figures.rssGrowthMiB.toFixed(1)} MiB`,
      (v) => v < bench.fileMiB,
    );
  }
  for (const bench of r.messages) {
    const figures = messagesFigures(bench);
    push(
      `${bench.target} /v1/messages added TTFT ≤ 0.5 ms (c=1)`,
      figures.addedTtftMs,
      `${ms(figures.addedTtftMs)} ms`,
      (v) => v <= 0.5,
    );
    push(
      `${bench.target} /v1/messages req/s ≥ 80 % of chat`,
      figures.throughput,
      pct(figures.throughput),
      (v) => v >= 0.8,
    );
    push(
      `${bench.target} /v1/messages CPU cost allows ≥ 80 % of chat req/s`,
      figures.cpuThroughput,
      pct(figures.cpuThroughput),
      (v) => v >= 0.8,
    );
  }
  return out;
}

export function renderReport(r: BenchResults): string {
  const sections = [
    "# llmlb benchmark results",
    r.header.join("\n"),
    "## 1. Non-streaming (≈1.4 KB completion, upstream latency 0 ms)",
    "Latencies in ms; “added” = target − direct at the same percentile and concurrency (medians over interleaved slices).",
    nonStreamTable(r),
  ];
  const peer = peerLine(r);
  if (peer) sections.push(peer);
  const slow = slowTable(r);
  if (slow) sections.push("### Concurrency: upstream latency 1.5 s, 100 connections", slow);
  sections.push(
    "## 2. Streaming (20 chunks, 10 ms apart, usage chunk + [DONE])",
    "TTFT = request sent → first content chunk; gap = between content chunks (mock sends every 10 ms); ms.",
    streamTable(r),
  );
  const persistence = persistenceTable(r);
  if (persistence && r.persistence)
    sections.push("## 3. Persistence on vs off (llmlb node)", r.persistence.definition, persistence);
  sections.push(
    "## 4. Memory and cold start",
    "RSS = VmRSS from /proc, idle after boot and peak while sections 1–2 ran (sampled every 100 ms; up to 100 connections in flight). Cold start = spawn → first 200 from /ready (medians).",
    memoryTable(r),
  );
  if (r.routing.length > 0) {
    sections.push(
      "## 5. Routing quality",
      `Per fleet: ${r.plan.routing.requests} streaming requests of ${r.plan.routing.tokens} tokens at concurrency ${r.plan.routing.concurrency}, llmlb on Node from a cold start, once per mode.`,
    );
    for (const run of r.routing) {
      const ideal =
        run.fleet === "sharing"
          ? ` Ideal makespan ≈ ${(r.idealMakespanMs / 1000).toFixed(2)} s (all capacity busy, speed-proportional shares 57 / 29 / 14 %).`
          : "";
      sections.push(
        `### ${run.fleet} (${run.endpoints.join(" / ")}): ${run.about}.${ideal}`,
        routingTable(run),
      );
    }
    if (r.routerDecision) {
      const { medianUs, p99Us } = r.routerDecision;
      sections.push(
        `Router decision (\`auto\`, 100 endpoints × 1 model with learned load profiles, in process): median ${medianUs.toFixed(2)} µs, p99 ${p99Us.toFixed(2)} µs.`,
      );
    }
  }
  const sse = sseTable(r);
  if (sse) {
    sections.push(
      "## 6. Event-stream clients (llmlb node)",
      `Non-streaming load at c=50 with no dashboard clients vs ${SSE_CLIENTS} clients on /api/events (admin session), one of which never reads its socket (the server drops it once its backlog exceeds LLMLB_SSE_CLIENT_BUFFER_KB: see the “fell too far behind” warnings under Notes); every request publishes RequestCompleted and TpsUpdated; each client gets one write per 25 ms window with every RequestCompleted and the newest TpsUpdated per endpoint × model × API kind. Medians over interleaved slices.`,
      sse,
    );
  }
  if (r.messages.length > 0) {
    sections.push(
      "## 7. Anthropic Messages vs chat completions (same request, same llmlb)",
      "TTFT = request sent → first content event (`content_block_delta` / first content chunk), c=1, streams of each kind alternated; added TTFT = median of each pair's difference. Throughput: non-streamed, c=10, medians over interleaved slices; CPU µs/req = the llmlb process's user+system CPU time (/proc) per request in those slices, so “CPU-bound messages / chat” is the req/s ratio a proxy-bound machine would see, unmoved by other load on the machine.",
      messagesTable(r.messages),
    );
  }
  if (r.uploads.length > 0) {
    sections.push(
      "## 9. A 10 MiB transcription upload, direct vs through llmlb",
      "One multipart POST to `/v1/audio/transcriptions` (model field first, then 10 MiB), straight to an upstream that reads the whole body, the same through llmlb, through the bare proxy on llmlb's runtime (Node: node:http in, undici out, body piped; Bun: Bun.serve in, fetch out with the request's own body stream — the floor for a proxy written on that runtime), and through bench/splice-relay.c (a TCP forwarder in C moving the bytes socket → pipe → socket with splice(2), no HTTP, built with the machine's `cc`: what the second loopback hop and process cost here before any proxy logic), alternated in rotating order; medians of whole-request times. RSS: each proxy's resident memory sampled every 20 ms during the uploads (peak minus the value before them; garbage not yet collected counts). llmlb asks for a collection after an exchange that streamed ≥ 4 MiB (src/upstream/garbage-hint.ts; Node: a young-generation scavenge on the next tick, Bun: `Bun.gc(false)`, non-blocking): its relayed chunks pass through JavaScript as fresh buffers.",
      uploadsTable(r.uploads),
    );
  }
  sections.push(
    "## Targets",
    table(
      ["goal", "measured", "met"],
      verdicts(r).map((v) => [v.goal, v.measured, v.met ? "yes" : "**no**"]),
    ),
  );
  if (r.notes.length > 0) sections.push("## Notes", r.notes.map((note) => `- ${note}`).join("\n"));
  return `${sections.join("\n\n")}\n`;
}
