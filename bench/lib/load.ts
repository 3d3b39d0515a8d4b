// Bench load driver: fixed-duration closed-loop HTTP load with wrk (Debian) when it is on PATH, else
// autocannon (npm) when it can be imported; reports req/s and latency percentiles in ms.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnTracked } from "./processes.js";

export interface LoadSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Responses with a status outside 2xx/3xx. */
  non2xx: number;
}

export interface LoadDriver {
  name: string;
  version: string;
  /** Caveat to print with the results, if any. */
  note?: string;
  run(spec: LoadSpec): Promise<LoadResult>;
}

function wrkScript(spec: LoadSpec): string {
  const headers = Object.entries({ "Content-Type": "application/json", ...spec.headers })
    .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
    .join("\n");
  return `wrk.method = "POST"
wrk.body = [==[${spec.body}]==]
${headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%.3f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
`;
}

/** Parses the line the wrk script's done() prints (latencies in µs). */
export function parseWrkOutput(output: string): LoadResult {
  const line = output.split("\n").find((candidate) => candidate.startsWith("BENCHJSON "));
  if (!line) throw new Error(`wrk printed no result:\n${output}`);
  const raw = JSON.parse(line.slice("BENCHJSON ".length)) as Record<string, number>;
  const get = (key: string) => raw[key] ?? 0;
  const seconds = get("duration_us") / 1e6;
  return {
    requests: get("requests"),
    rps: seconds > 0 ? get("requests") / seconds : 0,
    p50Ms: get("p50") / 1000,
    p90Ms: get("p90") / 1000,
    p99Ms: get("p99") / 1000,
    meanMs: get("mean") / 1000,
    errors: get("connect") + get("read") + get("write") + get("timeout"),
    non2xx: get("status"),
  };
}

function wrkDriver(scratchDir: string, version: string): LoadDriver {
  let scripts = 0;
  return {
    name: "wrk",
    version,
    async run(spec) {
      const script = join(scratchDir, `load-${++scripts}.lua`);
      writeFileSync(script, wrkScript(spec));
      const args = ["-t1", `-c${spec.connections}`, `-d${spec.durationS}s`, "--timeout", "10s", "-s", script];
      const child = spawnTracked("wrk", "wrk", [...args, spec.url], { capture: true });
      const killer = setTimeout(() => child.kill("SIGKILL"), (spec.durationS + 15) * 1000);
      const code = await child.exited;
      clearTimeout(killer);
      if (code !== 0) throw new Error(`wrk exited ${code}:\n${child.output()}`);
      return parseWrkOutput(child.output());
    },
  };
}

interface AutocannonResult {
  requests: { total: number };
  duration: number;
  latency: { p50: number; p90: number; p99: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

function autocannonDriver(autocannon: Autocannon): LoadDriver {
  return {
    name: "autocannon",
    version: "(npm)",
    note: "wrk was not on PATH: autocannon drove the load; it reports latency in whole milliseconds, so sub-millisecond added latency is not resolved (apt-get install -y wrk).",
    async run(spec) {
      const result = await autocannon({
        url: spec.url,
        method: "POST",
        body: spec.body,
        headers: { "content-type": "application/json", ...spec.headers },
        connections: spec.connections,
        duration: spec.durationS,
        timeout: 10,
      });
      return {
        requests: result.requests.total,
        rps: result.requests.total / result.duration,
        p50Ms: result.latency.p50,
        p90Ms: result.latency.p90,
        p99Ms: result.latency.p99,
        meanMs: result.latency.mean,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
      };
    },
  };
}

/** wrk if on PATH, else autocannon (BENCH_AUTOCANNON may name its module path); throws saying what is missing. */
export async function pickLoadDriver(scratchDir: string): Promise<LoadDriver> {
  const wrk = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (!wrk.error) {
    const version = /wrk\s+(\S+)/.exec(`${wrk.stdout}${wrk.stderr}`)?.[1] ?? "unknown";
    return wrkDriver(scratchDir, version);
  }
  try {
    const module = (await import(process.env.BENCH_AUTOCANNON ?? "autocannon")) as { default: Autocannon };
    return autocannonDriver(module.default);
  } catch {
    throw new Error(
      "no load driver: install wrk (`apt-get install -y wrk`) or autocannon (`npm install --no-save autocannon@9.0.0`)",
    );
  }
}
