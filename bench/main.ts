// Bench entry (via run.mjs): starts the mock upstream, the bare proxy and llmlb on Node and Bun, runs every
// scenario interleaved after a warm-up, prints the tables and writes bench/results.md.
// Flags: --quick (≈2 min), --no-write (print only), --skip-llmlb (harness check: direct + bare proxy only).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { type LoadDriver, pickLoadDriver } from "./lib/load.js";
import {
  FULL,
  type Plan,
  QUICK,
  ROUTING_ENDPOINTS,
  ROUTING_PREFILL_MS,
  SLOW_LATENCY_MS,
  STREAM_INTERVAL_MS,
} from "./lib/plan.js";
import { installCleanup, ROOT, rssMiB, sampleRss, sleep, stopAll } from "./lib/processes.js";
import { type BenchResults, BUN_TARGET, DIRECT, NODE, renderReport } from "./lib/report.js";
import { idealMakespanMs, type RoutingResult, runRouting } from "./lib/routing.js";
import { CHAT_BODY, type EndpointTarget, runLoadLevels, runStreaming, slowLevel } from "./lib/scenarios.js";
import { BUN, type Llmlb, startBareProxy, startLlmlb, startMock } from "./lib/targets.js";

const args = new Set(process.argv.slice(2));
const plan: Plan = args.has("--quick") ? QUICK : FULL;
const skipLlmlb = args.has("--skip-llmlb");
const log = (line: string) => process.stdout.write(`${line}\n`);
const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)} s`;
const logDir = mkdtempSync(join(tmpdir(), "llmlb-bench-logs-"));
const dataDirs: string[] = [];
installCleanup(plan.boundMs, () => log(`logs kept in ${logDir}`));

function command(file: string, argv: string[]): string {
  try {
    return execFileSync(file, argv, {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch {
    return "unknown";
  }
}

function header(driver: LoadDriver, mockRuntime: string): string[] {
  const dirty = command("git", ["status", "--porcelain", "--", ".", ":!bench/results.md"]) !== "";
  const cpu = cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- commit: ${command("git", ["rev-parse", "--short", "HEAD"])}${dirty ? " (with uncommitted changes)" : ""}`,
    `- machine: ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}`,
    `- runtimes: node ${process.version}, bun ${command(BUN, ["--version"])}; load: ${driver.name} ${driver.version} (1 thread); mock upstream on ${mockRuntime}`,
    `- plan: ${plan.name} (${plan.rounds} interleaved round(s) after a ${plan.warmupS} s warm-up per target; wrk slices ${plan.sliceS.c50}/${plan.sliceS.c1}/${plan.sliceS.c10} s at c=50/1/10)`,
  ];
}

async function coldStarts(runtime: "node" | "bun", count: number, mockUrl: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const instance = await startLlmlb({
      name: `${runtime} cold start ${i + 1}`,
      runtime,
      endpoints: `mock=${mockUrl}`,
      apiKey: false,
      model: "m0",
      logDir,
    });
    dataDirs.push(instance.dataDir);
    times.push(instance.coldStartMs);
    await instance.process.stop();
  }
  return times;
}

async function main() {
  if (!skipLlmlb) {
    log("building dist/server.js if needed …");
    const build = spawnSync(process.execPath, ["scripts/build.mjs", "--if-needed"], {
      cwd: ROOT,
      stdio: "inherit",
    });
    if (build.status !== 0) throw new Error("npm run build failed");
  }
  const driver = await pickLoadDriver(logDir);
  const mock = await startMock([
    {
      name: "main",
      models: [
        { id: "m0", latencyMs: 0, intervalMs: STREAM_INTERVAL_MS },
        { id: "m1500", latencyMs: SLOW_LATENCY_MS, intervalMs: STREAM_INTERVAL_MS },
      ],
    },
    ...ROUTING_ENDPOINTS.map((e) => ({
      name: e.name,
      models: [{ id: "route", latencyMs: ROUTING_PREFILL_MS, tps: e.tps }],
    })),
  ]);
  const mockUrl = mock.urls.main as string;
  const bare = await startBareProxy(mockUrl);
  const targets: EndpointTarget[] = [{ name: DIRECT, url: mockUrl, headers: {} }, bare];
  const llmlbs: Llmlb[] = [];
  if (!skipLlmlb) {
    for (const [name, runtime] of [
      [NODE, "node"],
      [BUN_TARGET, "bun"],
    ] as const) {
      const instance = await startLlmlb({
        name,
        runtime,
        endpoints: `mock=${mockUrl}`,
        apiKey: true,
        model: "m0",
        logDir,
      });
      dataDirs.push(instance.dataDir);
      llmlbs.push(instance);
      targets.push(instance);
      log(`${name} ready in ${instance.coldStartMs.toFixed(0)} ms (pid ${instance.process.pid})`);
    }
  }
  await sleep(1000);
  const memory = llmlbs.map((l) => ({
    name: l.name,
    pid: l.process.pid,
    idleMiB: rssMiB(l.process.pid),
    sampler: sampleRss(l.process.pid),
  }));

  log(`[${elapsed()}] warm-up`);
  await runLoadLevels(
    driver,
    targets,
    [{ key: "warm-up", connections: 50, durationS: plan.warmupS, body: CHAT_BODY }],
    1,
    () => {},
  );
  log(`[${elapsed()}] 1. non-streaming`);
  const load = await runLoadLevels(
    driver,
    targets,
    [
      { key: "c=50", connections: 50, durationS: plan.sliceS.c50, body: CHAT_BODY },
      { key: "c=1", connections: 1, durationS: plan.sliceS.c1, body: CHAT_BODY },
      { key: "c=10", connections: 10, durationS: plan.sliceS.c10, body: CHAT_BODY },
    ],
    plan.rounds,
    log,
  );
  if (plan.concurrencyS > 0) {
    log(`[${elapsed()}] 1b. concurrency at ${SLOW_LATENCY_MS} ms upstream latency`);
    const slow = await runLoadLevels(driver, targets, [slowLevel(plan.concurrencyS)], 1, log);
    for (const [key, value] of slow) load.set(key, value);
  }
  log(`[${elapsed()}] 2. streaming`);
  const streaming = await runStreaming(targets, plan, log);
  const memoryRows = memory.map((m) => {
    m.sampler.stop();
    return { name: m.name, idleMiB: m.idleMiB, peakMiB: m.sampler.peak, coldStartMs: [] as number[] };
  });
  for (const instance of llmlbs) await instance.process.stop();

  let persistence: BenchResults["persistence"] = null;
  let routing: RoutingResult[] = [];
  if (!skipLlmlb) {
    log(`[${elapsed()}] 3. persistence on vs off`);
    persistence = await runPersistence(driver, mockUrl);
    log(`[${elapsed()}] 4. cold starts`);
    const extra = plan.name === "full" ? 2 : 1;
    const [nodeRow, bunRow] = memoryRows;
    if (nodeRow)
      nodeRow.coldStartMs = [
        llmlbs[0]?.coldStartMs ?? Number.NaN,
        ...(await coldStarts("node", extra, mockUrl)),
      ];
    if (bunRow)
      bunRow.coldStartMs = [
        llmlbs[1]?.coldStartMs ?? Number.NaN,
        ...(await coldStarts("bun", extra, mockUrl)),
      ];
    log(`[${elapsed()}] 5. routing quality`);
    routing = await runRouting(ROUTING_ENDPOINTS, mock.urls, plan.routing, { apiKey: true, logDir }, log);
  }
  await stopAll();

  const results: BenchResults = {
    plan,
    header: [...header(driver, mock.runtime), `- wall time: ${elapsed()}`],
    targets: targets.map((t) => t.name),
    load,
    streaming,
    persistence,
    memory: memoryRows,
    routing,
    routingEndpoints: ROUTING_ENDPOINTS.map((e) => e.name),
    idealMakespanMs: idealMakespanMs(ROUTING_ENDPOINTS, plan.routing),
    notes: [
      "llmlb runs with a real API key (created through /api/auth/login + /api/api-keys), so key checking is included; its default log level; a fresh database file per process.",
      "Load and mock share the machine's cores with the proxy under test: ratios measured in the same run are the figures to compare, not absolute req/s.",
    ],
  };
  const report = renderReport(results);
  log(`\n${report}`);
  if (!args.has("--no-write")) {
    writeFileSync(join(ROOT, "bench/results.md"), report);
    log("wrote bench/results.md");
  }
}

async function runPersistence(
  driver: LoadDriver,
  mockUrl: string,
): Promise<NonNullable<BenchResults["persistence"]>> {
  const common = {
    runtime: "node" as const,
    endpoints: `mock=${mockUrl}`,
    apiKey: false,
    model: "m0",
    logDir,
  };
  const on = await startLlmlb({ ...common, name: "persistence on" });
  const off = await startLlmlb({
    ...common,
    name: "persistence off",
    env: { LLMLB_DATABASE_URL: "http://127.0.0.1:9" },
    readyPath: "/health",
  });
  dataDirs.push(on.dataDir, off.dataDir);
  const targets = [on, off];
  await runLoadLevels(
    driver,
    targets,
    [{ key: "warm-up", connections: 50, durationS: plan.warmupS, body: CHAT_BODY }],
    1,
    () => {},
  );
  const results = await runLoadLevels(
    driver,
    targets,
    [{ key: "c=50", connections: 50, durationS: plan.persistenceSliceS, body: CHAT_BODY }],
    plan.persistenceRounds,
    log,
  );
  await on.process.stop();
  await off.process.stop();
  const perTarget = results.get("c=50");
  return {
    on: perTarget?.get(on.name) ?? [],
    off: perTarget?.get(off.name) ?? [],
    definition:
      "Both with auth disabled (API keys live in the database). “on”: a database file, the recorder batches history and daily stats into it. “off”: LLMLB_DATABASE_URL=http://127.0.0.1:9 (nothing listens): llmlb starts degraded, no SQL runs; the recorder's periodic flush fails on connect.",
  };
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  process.stderr.write(
    `bench failed: ${error instanceof Error ? error.stack : String(error)}\nlogs kept in ${logDir}\n`,
  );
} finally {
  await stopAll();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  if (!failed) rmSync(logDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
