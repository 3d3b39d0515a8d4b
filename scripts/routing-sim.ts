// `npm run sim`: prints the deterministic routing simulator's figures (test/unit/routing-sim.test.ts asserts
// on the same runs): makespan, mean and p95 latency per fleet and policy, and the queue scenario.
import { arrivals, type SimArrival, type SimPolicy, simulate } from "../test/fixtures/routing-sim.js";
import { FLEETS } from "../test/fixtures/sim-fleets.js";

const POLICIES: SimPolicy[] = ["oracle", "auto", "previous", "least_connections"];
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const lines = [
  "| fleet | policy | makespan | × oracle | mean | p95 | requests per endpoint |",
  "|---|---|---|---|---|---|---|",
];
for (const [name, { fleet, meanGapMs }] of Object.entries(FLEETS)) {
  const list = arrivals({
    seed: 11,
    requests: 400,
    meanGapMs,
    prompt: [100, 1500],
    output: [50, 400],
    maxTokens: 512,
  });
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

const { fleet } = FLEETS.mixed as (typeof FLEETS)[string];
const caps = { cb8x50: 8, ps120: 1, ps60: 1 };
const chat = arrivals(
  { seed: 3, requests: 60, meanGapMs: 5000, prompt: [100, 600], output: [30, 150], maxTokens: 256 },
  "chat",
);
const job = arrivals(
  { seed: 5, requests: 600, meanGapMs: 500, prompt: [500, 1500], output: [200, 400], maxTokens: 512 },
  "job",
  "batch",
);
const merged = (chats: SimArrival[]) => [...chats, ...job].sort((a, b) => a.at - b.at);
const p95 = (list: SimArrival[]) => simulate(fleet, list, "auto", caps).byTag.chat?.p95Ms ?? Number.NaN;
const alone = p95(chat);
const queue = [
  ["chat alone", alone],
  ["chat interactive + batch job (10× rate)", p95(merged(chat))],
  ["same priority, keys take turns", p95(merged(chat.map((a) => ({ ...a, priority: "batch" as const }))))],
  ["one FIFO", p95(merged(chat.map((a) => ({ ...a, priority: "batch" as const, key: "job" }))))],
] as const;
lines.push("", "| queue (mixed fleet, max_concurrency = slots) | chat p95 | × alone |", "|---|---|---|");
for (const [label, value] of queue) lines.push(`| ${label} | ${s(value)} | ${(value / alone).toFixed(2)} |`);
console.log(lines.join("\n"));
