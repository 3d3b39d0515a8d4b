// The deterministic routing simulator's figures: auto against an oracle, the previous rule and
// least_connections on sharing, batching, mixed and cold fleets (sim ms, not timings).
import { describe, expect, it } from "vitest";
import {
  arrivals,
  type SimArrival,
  type SimPolicy,
  type SimResult,
  simulate,
} from "../fixtures/routing-sim.js";
import { FLEETS } from "../fixtures/sim-fleets.js";

const POLICIES: SimPolicy[] = ["oracle", "auto", "previous", "least_connections"];

function run(name: string): Record<SimPolicy, SimResult> {
  const { fleet, meanGapMs } = FLEETS[name] as (typeof FLEETS)[string];
  const list = arrivals({
    seed: 11,
    requests: 400,
    meanGapMs,
    prompt: [100, 1500],
    output: [50, 400],
    maxTokens: 512,
  });
  return Object.fromEntries(POLICIES.map((policy) => [policy, simulate(fleet, list, policy)])) as Record<
    SimPolicy,
    SimResult
  >;
}

describe("routing simulator", () => {
  for (const name of Object.keys(FLEETS)) {
    it(`${name} fleet: auto's makespan is within 1.10 × the oracle's and every endpoint gets traffic in its first minute`, () => {
      const results = run(name);
      const auto = results.auto;
      expect(auto.makespanMs).toBeLessThanOrEqual(1.1 * results.oracle.makespanMs);
      for (const count of Object.values(auto.firstMinute)) expect(count).toBeGreaterThan(0);
    });
  }

  it("mixed fleet: auto finishes ≥ 25 % sooner than least_connections and the previous rule", () => {
    const results = run("mixed");
    expect(results.auto.makespanMs).toBeLessThanOrEqual(0.75 * results.least_connections.makespanMs);
    expect(results.auto.makespanMs).toBeLessThanOrEqual(0.75 * results.previous.makespanMs);
    expect(results.auto.p95Ms).toBeLessThan(results.least_connections.p95Ms);
  });

  it("learns the batching server's slots and the sharing servers' single shared slot", () => {
    const { tracker } = run("mixed").auto;
    const slots = (id: string) => tracker.loadOf(id, "m", "chat_completions")?.slots;
    expect(slots("cb8x50")).toBe(8);
    expect(slots("ps120")).toBe(1);
    expect(slots("ps60")).toBe(1);
    const curve = tracker.loadOf("cb8x50", "m", "chat_completions")?.curve ?? [];
    for (const point of curve) if (point.decodeTps !== null) expect(point.decodeTps).toBeCloseTo(50, 0);
  });

  it("learns what loading the cold model costs", () => {
    const { tracker } = run("cold").auto;
    const cold = tracker.loadOf("cold8x40", "m", "chat_completions");
    expect(cold?.loadMs).toBeGreaterThan(15_000);
    expect(cold?.loadMs).toBeLessThan(25_000);
    expect(tracker.loadOf("warm8x40", "m", "chat_completions")?.loadMs).toBeNull();
  });
});

describe("routing simulator: priority and fair sharing in the queue", () => {
  // Endpoints capped at their slots (max_concurrency), so excess requests wait in llmlb's queue.
  const { fleet } = FLEETS.mixed as (typeof FLEETS)[string];
  const caps = { cb8x50: 8, ps120: 1, ps60: 1 };
  const chat = arrivals(
    { seed: 3, requests: 60, meanGapMs: 5000, prompt: [100, 600], output: [30, 150], maxTokens: 256 },
    "chat",
  );
  // A batch job at 10× the chat's rate, far beyond what the fleet serves: its backlog grows all along.
  const job = arrivals(
    { seed: 5, requests: 600, meanGapMs: 500, prompt: [500, 1500], output: [200, 400], maxTokens: 512 },
    "job",
    "batch",
  );
  const merged = (chats: SimArrival[]) => [...chats, ...job].sort((a, b) => a.at - b.at);
  const p95 = (list: SimArrival[]) => simulate(fleet, list, "auto", caps).byTag.chat?.p95Ms ?? Number.NaN;
  const alone = p95(chat);

  it("interactive p95 with the batch job running stays within 1.5 × its p95 alone", () => {
    expect(p95(merged(chat))).toBeLessThanOrEqual(1.5 * alone);
  });

  it("without priority the chat waits longer; without fair turns (one FIFO) far longer", () => {
    const samePriority = p95(merged(chat.map((arrival) => ({ ...arrival, priority: "batch" as const }))));
    const fifo = p95(merged(chat.map((arrival) => ({ ...arrival, priority: "batch" as const, key: "job" }))));
    expect(samePriority).toBeGreaterThan(1.5 * alone);
    expect(fifo).toBeGreaterThan(2 * samePriority);
  });
});
