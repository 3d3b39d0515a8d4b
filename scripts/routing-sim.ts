// `npm run sim`: prints the deterministic routing simulator's figures (test/unit/routing-sim.test.ts asserts
// on the same runs): makespan, mean and p95 latency per fleet and policy, and the queue scenario.
import { type SimPolicy, simulate } from "../test/fixtures/routing-sim.js";
import { FLEETS, fleetArrivals, queueScenario } from "../test/fixtures/sim-fleets.js";

const POLICIES: SimPolicy[] = ["oracle", "auto", "previous", "least_connections"];
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const lines = [
  "| fleet | policy | makespan | × oracle | mean | p95 | requests per endpoint |",
  "|---|---|---|---|---|---|---|",
];
for (const [name, { fleet }] of Object.entries(FLEETS)) {
  const list = fleetArrivals(name);
  const oracle = simulate(fleet, list, "oracle").makespanMs;
  for (const policy of POLICIES) {
    const result = simulate(fleet, list, policy);
    const served = Object.entries(result.served)
      .map(([server, count]) => `${server} ${count}`)
      .join(", ");
    const ratio = (result.makespanMs / oracle).toFixed(3);
    lines.push(
      `| ${name} | ${policy} | ${s(result.makespanMs)} | ${ratio} | ${s(result.meanMs)} | ${s(result.p95Ms)} | ${served} |`,
    );
  }
}

const { alone, prioritized, samePriority, fifo } = queueScenario();
const queue = [
  ["chat alone", alone],
  ["chat interactive + batch job (10× rate)", prioritized],
  ["same priority, keys take turns", samePriority],
  ["one FIFO", fifo],
] as const;
lines.push("", "| queue (mixed fleet, max_concurrency = slots) | chat p95 | × alone |", "|---|---|---|");
for (const [label, value] of queue) lines.push(`| ${label} | ${s(value)} | ${(value / alone).toFixed(2)} |`);
console.log(lines.join("\n"));
