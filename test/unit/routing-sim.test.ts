// The deterministic routing simulator's figures: auto against an oracle, the previous rule and
// least_connections on sharing, batching, mixed and cold fleets (sim ms, not timings).
import { describe, expect, it } from "vitest";
import { type SimPolicy, type SimResult, simulate } from "../fixtures/routing-sim.js";
import { FLEETS, fleetArrivals, queueScenario } from "../fixtures/sim-fleets.js";

const POLICIES: SimPolicy[] = ["oracle", "auto", "previous", "least_connections"];

function run(name: string): Record<SimPolicy, SimResult> {
  const { fleet } = FLEETS[name] as (typeof FLEETS)[string];
  const list = fleetArrivals(name);
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
  const { alone, prioritized, samePriority, fifo } = queueScenario();

  it("interactive p95 with a batch job at 10× its rate running stays within 1.5 × its p95 alone", () => {
    expect(prioritized).toBeLessThanOrEqual(1.5 * alone);
  });

  it("without priority the chat waits longer; without fair turns (one FIFO) far longer", () => {
    expect(samePriority).toBeGreaterThan(1.5 * alone);
    expect(fifo).toBeGreaterThan(2 * samePriority);
  });
});
