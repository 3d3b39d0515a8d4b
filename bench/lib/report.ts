// Bench report: turns raw results into the markdown tables printed to the terminal and written to
// bench/results.md, with the verdicts against the issues' targets (verdicts.ts).

import { FLUSH_DELAY_MS } from "../../src/events/event-stream.js";
import { messagesTable } from "./messages.js";
import { SLOW_LATENCY_MS } from "./plan.js";
import {
  BARE,
  BARE_BUN,
  type BenchResults,
  BUN_TARGET,
  DIRECT,
  fig,
  type LoadFigures,
  loadFigures,
  loadTargets,
  NODE,
  streamFigures,
} from "./results.js";
import { makespanGain, type RoutingFleetRun } from "./routing.js";
import { SSE_CLIENTS } from "./sse-clients.js";
import { added, median, ms, num, pct } from "./stats.js";
import { uploadsTable } from "./uploads.js";
import { verdicts } from "./verdicts.js";

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The bare proxy a target is compared with: Bun's for Bun targets, Node's otherwise. */
const bareFor = (target: string) => (target.includes("bun") ? BARE_BUN : BARE);

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
  const caches = (states: string[]) => {
    const counts = new Map<string, number>();
    for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
    return [...counts].map(([state, n]) => `${state} ×${n}`).join(", ") || "–";
  };
  return table(
    [
      "process",
      "RSS idle MiB",
      "RSS peak MiB",
      "first boot → /ready ms",
      "restart → /ready ms",
      "restart's code cache",
      "restart without code cache ms",
    ],
    r.memory.map((m) => [
      m.name,
      m.idleMiB.toFixed(1),
      m.peakMiB.toFixed(1),
      starts(m.firstBootMs),
      starts(m.restartMs),
      caches(m.codeCache),
      starts(m.uncachedRestartMs),
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
  const noneMachineUs = median(r.sse.filter((x) => x.clients === 0).map((x) => x.machineCpuUsPerReq));
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
      median(runs.map((x) => x.llmlbCpuUsPerReq)).toFixed(0),
      median(runs.map((x) => x.machineCpuUsPerReq)).toFixed(0),
      clients === 0 ? "–" : pct(noneMachineUs / median(runs.map((x) => x.machineCpuUsPerReq))),
    ];
  });
  const headers = ["/api/events clients", "req/s c=50", "p99", "vs none", "per reading client", "failed"];
  const cpu = ["llmlb CPU µs/req", "machine CPU µs/req", "CPU-bound vs none"];
  return table([...headers, ...cpu], rows);
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
    "RSS = VmRSS from /proc, idle after boot and peak while sections 1–2 ran (sampled every 100 ms; up to 100 connections in flight). Cold start = spawn → first 200 from /ready (medians). On Node, `dist/server.js` compiles the bundle with V8's code cache written by the first start after a build (README “Node”); “restart's code cache” is what the restarts found, and “restart without code cache” deletes it before a further restart on the same data directory — the first start after a build or an upgrade.",
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
      `Non-streaming load at c=50 with no dashboard clients vs ${SSE_CLIENTS} clients on /api/events (admin session), one of which never reads its socket (the server drops it once its backlog exceeds LLMLB_SSE_CLIENT_BUFFER_KB: see the “fell too far behind” warnings under Notes); every request publishes RequestCompleted and TpsUpdated; each client gets one write per ${FLUSH_DELAY_MS} ms window with the window's events in id order: each run of finished requests between other events as one RequestsCompleted batch (one a window here, two when a once-a-second MetricsUpdated falls between them) and the newest TpsUpdated per endpoint × model × API kind. Medians over interleaved slices. “machine CPU µs/req” = busy CPU time of every core (/proc/stat: load generator, mock, llmlb, the bench's reading clients and the kernel's loopback copies) per request; “CPU-bound vs none” = none's µs ÷ 100 clients' µs, the req/s ratio a machine whose CPU is the bottleneck would see — added alongside the req/s ratio, which stays the target's measure and moves with the host's speed between slices.`,
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
