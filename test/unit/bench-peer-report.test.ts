// The bench report's peer gateway: its row in the non-streaming table, llmlb's req/s as a multiple of the
// peer's, the "not measured" line when it could not run, and the every-request-2xx verdict.
import { describe, expect, it } from "vitest";
import type { LoadResult } from "../../bench/lib/load.js";
import { QUICK } from "../../bench/lib/plan.js";
import { renderReport } from "../../bench/lib/report.js";
import { BARE, BARE_BUN, type BenchResults, BUN_TARGET, DIRECT, NODE } from "../../bench/lib/results.js";

const PEER = "portkey 1.15.2";

const slice = (rps: number, p50Ms: number, p99Ms: number, failed = 0): LoadResult => ({
  requests: rps * 2,
  rps,
  p50Ms,
  p90Ms: p99Ms,
  p99Ms,
  meanMs: p50Ms,
  errors: 0,
  non2xx: failed,
});

function results(peer: BenchResults["peer"], peerFailed = 0): BenchResults {
  const rps: Record<string, number> = {
    [DIRECT]: 50_000,
    [BARE]: 12_000,
    [BARE_BUN]: 15_000,
    [NODE]: 4_000,
    [BUN_TARGET]: 5_000,
    [PEER]: 1_000,
  };
  const level = (failed: number) =>
    new Map(
      Object.entries(rps).map(([name, value]) => [
        name,
        [slice(value, 50_000 / value, 100_000 / value, name === PEER ? failed : 0)],
      ]),
    );
  return {
    plan: QUICK,
    header: ["- date: test"],
    targets: [DIRECT, BARE, BARE_BUN, NODE, BUN_TARGET],
    peer,
    load: new Map([
      ["c=50", level(peerFailed)],
      ["c=1", level(0)],
      ["c=10", level(0)],
    ]),
    streaming: new Map(),
    persistence: null,
    sse: [],
    memory: [],
    routing: [],
    routerDecision: null,
    messages: [],
    uploads: [],
    idealMakespanMs: 0,
    notes: [],
  };
}

describe("bench report: peer gateway", () => {
  it("puts the measured peer in the non-streaming table with c=50 figures and llmlb's multiple of it", () => {
    const report = renderReport(results({ name: PEER, measured: true, note: "peer note" }));
    expect(report).toContain("| portkey 1.15.2 | 1,000 | 8.3 % | 50.00 | 100 |");
    expect(report).toContain(
      "Peer, c=50, same run and mock: portkey 1.15.2 1,000 req/s, p50 50.00 ms, p99 100 ms, 0 failed; llmlb node 4.0× its req/s (p99 25.00 ms), llmlb bun 5.0× its req/s (p99 20.00 ms).",
    );
    expect(report).toContain(
      "| non-streaming: every request answered 2xx (every target and the peer) | 0 failed | yes |",
    );
  });

  it("says why the peer was not measured and leaves it out of the table", () => {
    const note = "Portkey peer: not measured — npm install exited 1: npm error code ECONNREFUSED";
    const report = renderReport(results({ name: PEER, measured: false, note }));
    expect(report).toContain(note);
    expect(report).not.toContain("| portkey 1.15.2 |");
    expect(report).toContain("| non-streaming: every request answered 2xx (every target) | 0 failed | yes |");
  });

  it("fails the 2xx verdict when requests through the peer failed", () => {
    const report = renderReport(results({ name: PEER, measured: true, note: "" }, 7));
    expect(report).toContain("portkey 1.15.2 1,000 req/s, p50 50.00 ms, p99 100 ms, 7 failed");
    expect(report).toContain(
      "| non-streaming: every request answered 2xx (every target and the peer) | portkey 1.15.2: 7 failed | **no** |",
    );
  });
});
