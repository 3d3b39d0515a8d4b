// Bench entry (via run.mjs): starts the mock upstream, the bare Node and Bun proxies and llmlb on Node and Bun, runs every
// scenario interleaved after a warm-up, prints the tables and writes bench/results.md.
// Flags: --quick (≈2 min), --no-write (print only), --skip-llmlb (harness check: direct + bare proxy only),
// --only=N,M (sections; implies --no-write), --keep-logs (keep llmlb logs and CPU profiles), --no-peer
// (section 1 without the Portkey peer, which is otherwise installed once into bench/.peers/).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { type LoadDriver, pickLoadDriver } from "./lib/load.js";
import { scanLogs } from "./lib/log-scan.js";
import { type MessagesBench, runMessagesBench } from "./lib/messages.js";
import { type Peer, startPeer } from "./lib/peer-portkey.js";
import {
  FULL,
  type Plan,
  QUICK,
  ROUTING_ENDPOINTS,
  ROUTING_FLEETS,
  ROUTING_PREFILL_MS,
  SLOW_LATENCY_MS,
  STREAM_INTERVAL_MS,
} from "./lib/plan.js";
import {
  cpuMs,
  installCleanup,
  ROOT,
  rssMiB,
  sampleRss,
  sleep,
  stopAll,
  stoppingWith,
} from "./lib/processes.js";
import { profileShare } from "./lib/profile.js";
import { blockRecorderWrites } from "./lib/recorder-off.js";
import { renderReport } from "./lib/report.js";
import { runRequestLogBench } from "./lib/request-log.js";
import { type BenchResults, BUN_TARGET, DIRECT, NODE } from "./lib/results.js";
import { routerDecisionMicros } from "./lib/router-decision.js";
import { idealMakespanMs, type RoutingFleetRun, runRouting } from "./lib/routing.js";
import {
  CHAT_BODY,
  type EndpointTarget,
  type LoadResults,
  runLoadLevels,
  runStreaming,
  slowLevel,
} from "./lib/scenarios.js";
import { runSseClients, type SseRun } from "./lib/sse-clients.js";
import type { StreamRunSummary } from "./lib/stream-client.js";
import { BUN, type Llmlb, startBareProxy, startLlmlb, startMock } from "./lib/targets.js";
import { runUploadBench, type UploadBench } from "./lib/uploads.js";

const args = new Set(process.argv.slice(2));
const plan: Plan = args.has("--quick") ? QUICK : FULL;
const skipLlmlb = args.has("--skip-llmlb");
/**
 * --only=1,3: run just these sections (1 non-stream, 2 streaming, 3 persistence, 4 cold start, 5 routing,
 * 6 event-stream clients, 7 Anthropic Messages vs chat completions, 8 request log at scale, 9 a 10 MiB
 * multipart upload).
 */
const only = [...args].find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
const section = (n: number) => only === undefined || only.split(",").includes(String(n));
const log = (line: string) => process.stdout.write(`${line}\n`);
const began = performance.now();
const loadAverage = () => loadavg()[0]?.toFixed(2) ?? "unknown";
const startLoad = loadAverage();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)} s`;
const logDir = mkdtempSync(join(tmpdir(), "llmlb-bench-logs-"));
const dataDirs: string[] = [];
installCleanup(plan.boundMs, () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  log(`logs kept in ${logDir}`);
});

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
    `- load average (1 min) at the start: ${startLoad}; now: ${loadAverage()}`,
    `- plan: ${plan.name} (${plan.rounds} interleaved round(s) after a ${plan.warmupS} s warm-up per target; wrk slices ${plan.sliceS.c50}/${plan.sliceS.c1}/${plan.sliceS.c10} s at c=50/1/10)`,
  ];
}

/** Node's V8 code cache for dist/server-bundle.cjs (src/runtime/code-cache.ts), written by its first start. */
const NODE_CODE_CACHE = "dist/server-bundle.cjs.v8cache";

/** What a Node start's "llmlb listening" line says it found in the code cache ("" for Bun). */
function codeCacheState(logFile: string): string {
  return /"code_cache":"(\w+)"/.exec(readFileSync(logFile, "utf8"))?.[1] ?? "";
}

/**
 * Spawn → /ready: a first boot on a fresh data directory (migrations, admin user), then a restart on it;
 * on Node also a restart without the code cache, as the first start after a build (it writes it again).
 */
async function coldStarts(runtime: "node" | "bun", count: number, mockUrl: string) {
  const fresh: number[] = [];
  const restart: number[] = [];
  const uncachedRestart: number[] = [];
  const codeCache: string[] = [];
  const options = { runtime, endpoints: `mock=${mockUrl}`, apiKey: false, model: "m0", logDir };
  const restartOn = async (dataDir: string, name: string) => {
    const again = await startLlmlb({ ...options, name, dataDir });
    await again.process.stop();
    return { ms: again.coldStartMs, cache: codeCacheState(again.logFile) };
  };
  for (let i = 0; i < count; i++) {
    const first = await startLlmlb({ ...options, name: `${runtime} first boot ${i + 1}` });
    dataDirs.push(first.dataDir);
    fresh.push(first.coldStartMs);
    await first.process.stop();
    const again = await restartOn(first.dataDir, `${runtime} restart ${i + 1}`);
    restart.push(again.ms);
    if (again.cache) codeCache.push(again.cache);
    if (runtime !== "node") continue;
    rmSync(NODE_CODE_CACHE, { force: true });
    uncachedRestart.push(
      (await restartOn(first.dataDir, `${runtime} restart ${i + 1} without code cache`)).ms,
    );
  }
  return { fresh, restart, uncachedRestart, codeCache };
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
    ...ROUTING_FLEETS.flatMap((f) => f.endpoints).map((e) => ({
      name: e.name,
      models: [{ id: "route", latencyMs: ROUTING_PREFILL_MS, tps: e.tps, slots: e.slots }],
    })),
  ]);
  const mockUrl = mock.urls.main as string;
  const bare = await startBareProxy(mockUrl, "node");
  const bareBun = await startBareProxy(mockUrl, "bun");
  const targets: EndpointTarget[] = [{ name: DIRECT, url: mockUrl, headers: {} }, bare, bareBun];
  const peer: Peer | null = section(1) ? await startPeer(mockUrl, logDir, log, args.has("--no-peer")) : null;
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

  // Section 1's targets: the peer joins the interleaved rotation and is stopped after section 1.
  const loadTargets = peer?.target ? [...targets, peer.target] : targets;
  log(`[${elapsed()}] warm-up (load average ${loadAverage()})`);
  await runLoadLevels(
    driver,
    loadTargets,
    [{ key: "warm-up", connections: 50, durationS: plan.warmupS, body: CHAT_BODY }],
    1,
    () => {},
  );
  const load = new Map<string, LoadResults>();
  if (section(1)) {
    log(`[${elapsed()}] 1. non-streaming`);
    const levels = await runLoadLevels(
      driver,
      loadTargets,
      [
        { key: "c=50", connections: 50, durationS: plan.sliceS.c50, body: CHAT_BODY },
        { key: "c=1", connections: 1, durationS: plan.sliceS.c1, body: CHAT_BODY },
        { key: "c=10", connections: 10, durationS: plan.sliceS.c10, body: CHAT_BODY },
      ],
      plan.rounds,
      log,
    );
    for (const [key, value] of levels) load.set(key, value);
    if (plan.concurrencyS > 0) {
      log(`[${elapsed()}] 1b. concurrency at ${SLOW_LATENCY_MS} ms upstream latency`);
      const slow = await runLoadLevels(driver, loadTargets, [slowLevel(plan.concurrencyS)], 1, log);
      for (const [key, value] of slow) load.set(key, value);
    }
    await peer?.target?.process.stop();
    log(`[${elapsed()}] section 1 done (load average ${loadAverage()})`);
  }
  let streaming = new Map<string, Map<string, StreamRunSummary>>();
  if (section(2)) {
    log(`[${elapsed()}] 2. streaming`);
    streaming = await runStreaming(targets, plan, log);
  }
  const memoryRows = memory.map((m) => {
    m.sampler.stop();
    return {
      name: m.name,
      idleMiB: m.idleMiB,
      peakMiB: m.sampler.peak,
      firstBootMs: [] as number[],
      restartMs: [] as number[],
      uncachedRestartMs: [] as number[],
      codeCache: [] as string[],
    };
  });
  let sse: SseRun[] = [];
  const nodeLlmlb = llmlbs.find((l) => l.name === NODE);
  if (section(6) && nodeLlmlb) {
    log(`[${elapsed()}] 6. event-stream clients (llmlb node)`);
    const target = { ...nodeLlmlb, pid: nodeLlmlb.process.pid };
    sse = await runSseClients(driver, target, nodeLlmlb.adminHeaders, plan.rounds, plan.sliceS.c50, log);
  }
  const messages: MessagesBench[] = [];
  if (section(7)) {
    for (const instance of llmlbs) {
      log(`[${elapsed()}] 7. /v1/messages vs /v1/chat/completions (${instance.name})`);
      messages.push(await runMessagesBench(driver, instance, plan, log));
    }
  }
  let requestLog: string[] = [];
  if (section(8) && nodeLlmlb) {
    log(`[${elapsed()}] 8. request log at scale (llmlb node)`);
    requestLog = await runRequestLogBench(nodeLlmlb, log);
  }
  const uploads: UploadBench[] = [];
  if (section(9)) {
    for (const instance of llmlbs) {
      log(`[${elapsed()}] 9. 10 MiB transcription upload, direct vs through llmlb (${instance.name})`);
      uploads.push(await runUploadBench(instance, plan.rounds, log));
    }
  }
  for (const instance of llmlbs) await instance.process.stop();

  let persistence: BenchResults["persistence"] = null;
  const routing: RoutingFleetRun[] = [];
  let routerDecision: { medianUs: number; p99Us: number } | null = null;
  if (!skipLlmlb) {
    if (section(3)) {
      log(`[${elapsed()}] 3. persistence on vs off`);
      persistence = await runPersistence(driver, mockUrl);
    }
    if (section(4)) {
      log(`[${elapsed()}] 4. cold starts`);
      for (const [row, runtime] of [
        [memoryRows[0], "node"],
        [memoryRows[1], "bun"],
      ] as const) {
        if (!row) continue;
        const starts = await coldStarts(runtime, plan.coldStarts, mockUrl);
        row.firstBootMs = starts.fresh;
        row.restartMs = starts.restart;
        row.uncachedRestartMs = starts.uncachedRestart;
        row.codeCache = starts.codeCache;
      }
    }
    if (section(5)) {
      log(`[${elapsed()}] 5. routing quality`);
      for (const { fleet, about, endpoints } of ROUTING_FLEETS) {
        log(`  fleet ${fleet}: ${about}`);
        const results = await runRouting(endpoints, mock.urls, plan.routing, { apiKey: true, logDir }, log);
        routing.push({ fleet, about, endpoints: endpoints.map((e) => e.name), results });
      }
      routerDecision = routerDecisionMicros();
      log(`  router decision, 100 endpoints: median ${routerDecision.medianUs.toFixed(2)} µs`);
    }
  }
  await stopAll();

  const results: BenchResults = {
    plan,
    header: [...header(driver, mock.runtime), `- wall time: ${elapsed()}`],
    targets: targets.map((t) => t.name),
    peer: peer && { name: peer.name, measured: peer.target !== null, note: peer.note },
    load,
    streaming,
    persistence,
    sse,
    memory: memoryRows,
    routing,
    routerDecision,
    messages,
    uploads,
    idealMakespanMs: idealMakespanMs(ROUTING_ENDPOINTS, plan.routing),
    notes: [
      "llmlb runs with a real API key (created through /api/auth/login + /api/api-keys), so key checking is included; its default log level; a fresh database file per process.",
      ...(driver.note ? [driver.note] : []),
      ...(peer?.target ? [peer.note] : []),
      ...scanLogs(logDir),
      ...requestLog,
      "The mock upstream runs on Bun: 91.6k req/s against 54.2k for the same server on node:http here (wrk, c=50); the direct-to-mock row shows it is never the bottleneck.",
      "Load and mock share the machine's cores with the proxy under test: ratios measured in the same run are the figures to compare, not absolute req/s.",
    ],
  };
  const report = renderReport(results);
  log(`\n${report}`);
  if (!args.has("--no-write") && only === undefined) {
    writeFileSync(join(ROOT, "bench/results.md"), report);
    log("wrote bench/results.md");
  }
}

/**
 * The recorder's flush on the main thread: taking the batch (src/stats/stats-writer.ts writeOne), writing its
 * SQL and handing it to the driver (src/db/file-batch-store.ts writeFileBatch, runBatchTransaction, resumed
 * after each hand-over); in-process stores (remote databases, and runs before the file store) build it
 * (src/db/batch-sql.ts writeFlushBatch) and execute it (@libsql/client executeStmt, which runs in a later
 * microtask, so it is matched by name); runs with the former recorder thread handed it over in postBatch.
 */
const RECORDER_FLUSH_FUNCTIONS = [
  "writeOne",
  "writeFlushBatch",
  "executeStmt",
  "postBatch",
  "writeFileBatch",
  "runBatchTransaction",
];

async function runPersistence(
  driver: LoadDriver,
  mockUrl: string,
): Promise<NonNullable<BenchResults["persistence"]>> {
  const profiled = (name: string) => {
    const dir = join(logDir, `profile-${name}`);
    mkdirSync(dir);
    return { dir, args: ["--cpu-prof", `--cpu-prof-dir=${dir}`] };
  };
  const profiles = { on: profiled("on"), off: profiled("off"), aborted: profiled("aborted") };
  const common = {
    runtime: "node" as const,
    endpoints: `mock=${mockUrl}`,
    apiKey: true,
    model: "m0",
    logDir,
  };
  const on = await startLlmlb({ ...common, name: "persistence on", nodeArgs: profiles.on.args });
  const off = await startLlmlb({
    ...common,
    name: "persistence off",
    nodeArgs: profiles.off.args,
    env: { LLMLB_BENCH_RECORDER_OFF: "1" },
  });
  const aborted = await startLlmlb({
    ...common,
    name: "persistence aborted",
    nodeArgs: profiles.aborted.args,
  });
  dataDirs.push(on.dataDir, off.dataDir, aborted.dataDir);
  const block = await blockRecorderWrites(join(aborted.dataDir, "llmlb.db"));
  const processes = [on, off, aborted];
  try {
    const warmup = { key: "warm-up", connections: 50, durationS: plan.warmupS, body: CHAT_BODY };
    await runLoadLevels(driver, processes, [warmup], 1, () => {});
    const cpuBefore = processes.map((p) => cpuMs(p.process.pid));
    const results = await runLoadLevels(
      driver,
      processes,
      [{ key: "c=50", connections: 50, durationS: plan.persistenceSliceS, body: CHAT_BODY }],
      plan.persistenceRounds,
      log,
    );
    const perTarget = results.get("c=50");
    // The last slice's requests are flushed (and written by the driver's threads) within the next 200 ms tick.
    await sleep(600);
    const cpuUs = processes.map((p, i) => {
      const requests = (perTarget?.get(p.name) ?? []).reduce((sum, load) => sum + load.requests, 0);
      return ((cpuMs(p.process.pid) - (cpuBefore[i] as number)) * 1000) / Math.max(1, requests);
    });
    await block.release();
    // SIGTERM → graceful exit, which is when node writes the CPU profile.
    await Promise.all(processes.map((p) => p.process.stop(15_000)));
    const share = (dir: string) => profileShare(dir, RECORDER_FLUSH_FUNCTIONS);
    return {
      on: perTarget?.get(on.name) ?? [],
      off: perTarget?.get(off.name) ?? [],
      aborted: perTarget?.get(aborted.name) ?? [],
      cpuUsPerRequest: { on: cpuUs[0] as number, off: cpuUs[1] as number, aborted: cpuUs[2] as number },
      flushShare: {
        on: share(profiles.on.dir),
        off: share(profiles.off.dir),
        aborted: share(profiles.aborted.dir),
      },
      definition:
        "Three llmlb node processes, interleaved (all under `node --cpu-prof`), each with its own database file and a real API key. “on”: the recorder keeps counters, daily stats and request history and writes them to the file in batches (see README “Performance”). “off”: started with the bench-only switch `LLMLB_BENCH_RECORDER_OFF=1` — no request reaches the recorder, nothing is built or written (TPS, events and metrics still run); this is the baseline the target is checked against (on ≥ 90 % of off's req/s, p99 ≤ off + 1 ms). “writes aborted” is the previous runs' method, kept for comparison: SQLite triggers abort the recorder's first write of every flush, so the recorder still keeps every batch and hands it to the database, whose first statement fails (the history rows' SQL text, written after it, is never written). “flush CPU” = share of the process's busy CPU samples inside the recorder's flush on the main thread (writeOne/writeFileBatch/runBatchTransaction; in-process stores: writeFlushBatch and libsql executeStmt). “CPU µs/req” = the process's user+system CPU time (/proc, every thread: the libSQL driver's threads that run the file store's SQL included) over its measured slices and the flush after them, per request; “CPU-bound on/off” = off's µs ÷ on's µs, the req/s ratio a machine where llmlb is the only thing using the CPU would see — unmoved by other load, unlike req/s on this shared 2-core machine (added alongside the req/s ratio, which stays the target's measure).",
    };
  } finally {
    await block.release();
    await Promise.all(processes.map((p) => p.process.stop()));
  }
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  if (stoppingWith() === null)
    process.stderr.write(
      `bench failed: ${error instanceof Error ? error.stack : String(error)}\nlogs kept in ${logDir}\n`,
    );
} finally {
  await stopAll();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  if (!failed && !args.has("--keep-logs")) rmSync(logDir, { recursive: true, force: true });
  else log(`logs and CPU profiles kept in ${logDir}`);
}
process.exit(stoppingWith() ?? (failed ? 1 : 0));
