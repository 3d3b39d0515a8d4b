// Bench process control: every child the bench starts is tracked here and stopped on exit, Ctrl-C or error;
// free loopback ports; RSS sampling from /proc/<pid>/status.
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

export const ROOT = new URL("../..", import.meta.url).pathname;

export interface Tracked {
  name: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  /** Captured stdout + stderr (capture mode) — empty when output goes to a log file. */
  output(): string;
  /** Resolves with the first stdout line (capture mode). */
  firstLine(timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Tracked>();
let stopping: number | null = null;

/** The exit code once Ctrl-C, SIGTERM, an uncaught error or the time bound started stopping everything. */
export const stoppingWith = () => stopping;

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Pipe output into memory (small outputs: port lines, wrk reports). */
  capture?: boolean;
  /** Append stdout and stderr to this file instead (chatty servers: no bench CPU spent on their logs). */
  logFile?: string;
}

export function spawnTracked(name: string, command: string, args: string[], options: SpawnOptions): Tracked {
  const logFd = options.logFile ? openSync(options.logFile, "a") : undefined;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdio: [
      "ignore",
      logFd ?? (options.capture ? "pipe" : "ignore"),
      logFd ?? (options.capture ? "pipe" : "ignore"),
    ],
  });
  let output = "";
  const lineWaiters: ((line: string) => void)[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    const newline = output.indexOf("\n");
    if (newline !== -1) for (const waiter of lineWaiters.splice(0)) waiter(output.slice(0, newline));
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.on("error", () => resolve(-1));
  });
  const tracked: Tracked = {
    name,
    child,
    pid: child.pid ?? -1,
    exited,
    output: () => output,
    firstLine(timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const newline = output.indexOf("\n");
        if (newline !== -1) return resolve(output.slice(0, newline));
        const timer = setTimeout(
          () => reject(new Error(`${name}: no output line in ${timeoutMs} ms`)),
          timeoutMs,
        );
        lineWaiters.push((line) => {
          clearTimeout(timer);
          resolve(line);
        });
        void exited.then((code) => reject(new Error(`${name} exited ${code} before printing:\n${output}`)));
      });
    },
    kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop(graceMs = 3000) {
      tracked.kill("SIGTERM");
      const timer = setTimeout(() => tracked.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(tracked);
  void exited.then(() => running.delete(tracked));
  return tracked;
}

/** Stops every child still running (in parallel, each by its own pid). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((tracked) => tracked.stop()));
}

/** On Ctrl-C, SIGTERM, an uncaught error or the time bound: stop every child, then exit. */
/** `afterStop` runs once the children are gone (remove temporary data), just before the exit. */
export function installCleanup(boundMs: number, afterStop: () => void): () => void {
  const bail = (code: number, message: string) => {
    if (stopping !== null) return;
    stopping = code;
    process.stderr.write(`\nbench: ${message}; stopping ${running.size} child process(es)\n`);
    void stopAll()
      .then(afterStop)
      .finally(() => process.exit(code));
  };
  const onSigint = () => bail(130, "interrupted");
  const onSigterm = () => bail(143, "terminated");
  const onError = (error: unknown) =>
    bail(1, `error: ${error instanceof Error ? error.stack : String(error)}`);
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  const bound = setTimeout(() => {
    bail(1, `time bound of ${Math.round(boundMs / 1000)} s exceeded`);
  }, boundMs);
  bound.unref();
  // Last resort if the bench exits by another path: children must not outlive it.
  process.on("exit", () => {
    for (const tracked of running) tracked.kill("SIGKILL");
  });
  return () => clearTimeout(bound);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MiB (VmRSS), or NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kib === undefined ? Number.NaN : Number(kib) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, ms; /proc/<pid>/stat in clock ticks of 10 ms. */
export function cpuMs(pid: number): number {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time every core spent busy so far (user, nice, system, irq, softirq, steal: all but idle and iowait),
 * ms; the first line of /proc/stat in clock ticks of 10 ms. Covers every process and the kernel's own work.
 */
export function machineBusyMs(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return (ticks.reduce((sum, value) => sum + value, 0) - idle) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Samples a process's RSS every intervalMs; `peak` is the largest sample since the last reset. */
export function sampleRss(pid: number, intervalMs = 100) {
  let peak = 0;
  const timer = setInterval(() => {
    const value = rssMiB(pid);
    if (value > peak) peak = value;
  }, intervalMs);
  timer.unref();
  return {
    get peak() {
      return Math.max(peak, rssMiB(pid) || 0);
    },
    reset() {
      peak = 0;
    },
    stop: () => clearInterval(timer),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
