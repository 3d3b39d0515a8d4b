// Bench verdicts: each target of the issues checked against one run's figures, section by section, for the
// "Targets" table of bench/results.md. A target whose figure was not measured in the run is left out.

import { messagesFigures } from "./messages.js";
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
import { makespanGain } from "./routing.js";
import { SSE_CLIENTS } from "./sse-clients.js";
import { added, median, ms, pct } from "./stats.js";
import { uploadFigures } from "./uploads.js";

export interface Verdict {
  goal: string;
  measured: string;
  met: boolean;
}

/** Collects verdicts; a figure that is not a finite number (section not run) adds none. */
class Verdicts {
  readonly list: Verdict[] = [];

  check(goal: string, value: number, shown: string, ok: (v: number) => boolean): void {
    if (Number.isFinite(value)) this.list.push({ goal, measured: shown, met: ok(value) });
  }

  add(verdict: Verdict): void {
    this.list.push(verdict);
  }
}

function nonStreaming(r: BenchResults, out: Verdicts): void {
  const vsBare = (f: LoadFigures, bare: string) => f.rps / fig(r, "c=50", bare).rps;
  const node = vsBare(fig(r, "c=50", NODE), BARE);
  const bun = vsBare(fig(r, "c=50", BUN_TARGET), BARE_BUN);
  out.check("Node req/s ≥ 60 % of bare Node proxy", node, pct(node), (v) => v >= 0.6);
  out.check("Bun req/s ≥ 80 % of bare Bun proxy", bun, pct(bun), (v) => v >= 0.8);
  if (r.load.has("c=50")) {
    const failing = loadTargets(r).flatMap((t) => {
      const failed = [...r.load.values()].reduce((sum, level) => sum + loadFigures(level.get(t)).failed, 0);
      return failed > 0 ? [`${t}: ${failed} failed`] : [];
    });
    out.add({
      goal: `non-streaming: every request answered 2xx (${r.peer?.measured ? "every target and the peer" : "every target"})`,
      measured: failing.length ? failing.join(", ") : "0 failed",
      met: failing.length === 0,
    });
  }
  const p50c1 = fig(r, "c=1", NODE).p50 - fig(r, "c=1", DIRECT).p50;
  out.check("Node added latency p50 c=1 ≤ 0.3 ms", p50c1, `${ms(p50c1)} ms`, (v) => v <= 0.3);
  const p99c10 = fig(r, "c=10", NODE).p99 - fig(r, "c=10", DIRECT).p99;
  out.check("Node added latency p99 c=10 ≤ 5 ms", p99c10, `${ms(p99c10)} ms`, (v) => v <= 5);
}

function streaming(r: BenchResults, out: Verdicts): void {
  for (const [level, perTarget] of r.streaming) {
    const direct = streamFigures(perTarget.get(DIRECT));
    for (const t of [NODE, BUN_TARGET]) {
      const s = streamFigures(perTarget.get(t));
      const ttft = s.ttft.p50 - direct.ttft.p50;
      out.check(`${t} added TTFT p50 ≤ 1 ms (${level})`, ttft, `${ms(ttft)} ms`, (v) => v <= 1);
      const lag = s.gaps.p99 - direct.gaps.p99;
      out.check(`${t} added inter-chunk lag p99 ≤ 1 ms (${level})`, lag, `${ms(lag)} ms`, (v) => v <= 1);
      out.check(`${t} 100 % chunks delivered (${level})`, s.delivered, pct(s.delivered), (v) => v >= 1);
    }
  }
}

function persistenceAndMemory(r: BenchResults, out: Verdicts): void {
  if (r.persistence) {
    const on = loadFigures(r.persistence.on);
    const off = loadFigures(r.persistence.off);
    const share = on.rps / off.rps;
    out.check("persistence costs ≤ 10 % throughput (req/s on / off)", share, pct(share), (v) => v >= 0.9);
    const p99 = on.p99 - off.p99;
    out.check("persistence costs ≤ 1 ms p99 (on − off)", p99, `${added(on.p99, off.p99)} ms`, (v) => v <= 1);
  }
  for (const m of r.memory) {
    out.check(`${m.name} RSS peak ≤ 120 MiB`, m.peakMiB, `${m.peakMiB.toFixed(1)} MiB`, (v) => v <= 120);
    const restart = median(m.restartMs);
    const bound = m.name === NODE ? 300 : 500;
    out.check(
      `${m.name} cold start (restart) ≤ ${bound} ms`,
      restart,
      `${ms(restart)} ms`,
      (v) => v <= bound,
    );
    const first = median(m.firstBootMs);
    out.check(`${m.name} cold start (first boot) ≤ 0.5 s`, first, `${ms(first)} ms`, (v) => v <= 500);
  }
  if (r.sse.length > 0) {
    const none = loadFigures(r.sse.filter((x) => x.clients === 0).map((x) => x.load));
    const many = loadFigures(r.sse.filter((x) => x.clients === SSE_CLIENTS).map((x) => x.load));
    const ratio = many.rps / none.rps;
    out.check(
      `req/s with ${SSE_CLIENTS} /api/events clients ≥ 85 % of none`,
      ratio,
      pct(ratio),
      (v) => v >= 0.85,
    );
  }
}

function routing(r: BenchResults, out: Verdicts): void {
  const fleet = (name: string) => r.routing.find((run) => run.fleet === name)?.results ?? [];
  const sharing = makespanGain(fleet("sharing"), "auto", "round_robin");
  out.check(
    "sharing fleet: auto makespan ≥ 25 % shorter than round_robin",
    sharing,
    pct(sharing),
    (v) => v >= 0.25,
  );
  const mixed = makespanGain(fleet("mixed"), "auto", "least_connections");
  out.check(
    "mixed fleet: auto makespan ≥ 25 % shorter than least_connections",
    mixed,
    pct(mixed),
    (v) => v >= 0.25,
  );
  if (r.routerDecision) {
    const us = r.routerDecision.medianUs;
    out.check(
      "router decision, 100 endpoints × 1 model: median ≤ 20 µs",
      us,
      `${us.toFixed(2)} µs`,
      (v) => v <= 20,
    );
  }
}

function uploadsAndMessages(r: BenchResults, out: Verdicts): void {
  for (const bench of r.uploads) {
    const figures = uploadFigures(bench);
    const growth = figures.rssGrowthMiB;
    out.check(
      `${bench.target} 10 MiB upload wall time ≤ 10 % over direct`,
      figures.addedShare,
      pct(figures.addedShare),
      (v) => v <= 0.1,
    );
    out.check(
      `${bench.target} RSS growth during uploads < file size`,
      growth,
      `${growth.toFixed(1)} MiB`,
      (v) => v < bench.fileMiB,
    );
  }
  for (const bench of r.messages) {
    const figures = messagesFigures(bench);
    const ttft = figures.addedTtftMs;
    out.check(
      `${bench.target} /v1/messages added TTFT ≤ 0.5 ms (c=1)`,
      ttft,
      `${ms(ttft)} ms`,
      (v) => v <= 0.5,
    );
    out.check(
      `${bench.target} /v1/messages req/s ≥ 80 % of chat`,
      figures.throughput,
      pct(figures.throughput),
      (v) => v >= 0.8,
    );
    out.check(
      `${bench.target} /v1/messages CPU cost allows ≥ 80 % of chat req/s`,
      figures.cpuThroughput,
      pct(figures.cpuThroughput),
      (v) => v >= 0.8,
    );
  }
}

export function verdicts(r: BenchResults): Verdict[] {
  const out = new Verdicts();
  nonStreaming(r, out);
  streaming(r, out);
  persistenceAndMemory(r, out);
  routing(r, out);
  uploadsAndMessages(r, out);
  return out.list;
}
