// Bench "event-stream clients": proxied throughput of llmlb node with N dashboard clients on /api/events
// (one of which never reads its socket) against none, interleaved in the same run (issue 7's figure).
import { request } from "node:http";
import type { LoadDriver, LoadResult } from "./load.js";
import { cpuMs, machineBusyMs, sleep } from "./processes.js";
import { CHAT_BODY, type EndpointTarget, type Log } from "./scenarios.js";

export const SSE_CLIENTS = 100;

export interface SseRun {
  /** 0 or SSE_CLIENTS. */
  clients: number;
  load: LoadResult;
  /** Bytes received per reading client per second of the slice (0 without clients). */
  bytesPerClientPerS: number;
  /** Reading clients whose connection closed while the slice ran (0 expected). */
  readersClosed: number;
  /** The llmlb process's CPU time (/proc, user + system) per request of the slice, µs. */
  llmlbCpuUsPerReq: number;
  /**
   * Busy CPU time of the whole machine (/proc/stat: every process — load generator, mock, llmlb, this
   * process's readers — and the kernel, whose loopback copies the event bytes cost) per request, µs.
   */
  machineCpuUsPerReq: number;
}

interface Client {
  bytes: number;
  closed: boolean;
  stop(): void;
}

/** Opens one /api/events stream; a stalled client pauses its response and never reads. */
function openClient(url: string, headers: Record<string, string>, stalled: boolean): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = { bytes: 0, closed: false, stop: () => req.destroy() };
    const req = request(
      `${url}/api/events`,
      { headers: { ...headers, accept: "text/event-stream" } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET /api/events: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        if (stalled) res.pause();
        else res.on("data", (chunk: Buffer) => (client.bytes += chunk.length));
        const closed = () => (client.closed = true);
        res.socket.on("close", closed);
        res.on("error", closed);
        resolve(client);
      },
    );
    req.on("error", (error) => {
      client.closed = true;
      reject(error);
    });
    req.end();
  });
}

export async function runSseClients(
  driver: LoadDriver,
  target: EndpointTarget & { pid: number },
  eventHeaders: Record<string, string>,
  rounds: number,
  sliceS: number,
  log: Log,
): Promise<SseRun[]> {
  const runs: SseRun[] = [];
  const slice = async (clients: number): Promise<SseRun> => {
    const open: Client[] = [];
    try {
      for (let i = 0; i < clients; i++) open.push(await openClient(target.url, eventHeaders, i === 0));
      await sleep(500);
      const before = open.map((c) => c.bytes);
      const llmlbCpuBefore = cpuMs(target.pid);
      const machineBefore = machineBusyMs();
      const load = await driver.run({
        url: `${target.url}/v1/chat/completions`,
        body: CHAT_BODY,
        headers: target.headers,
        connections: 50,
        durationS: sliceS,
      });
      const readers = open.slice(1);
      const received = readers.reduce((sum, c, i) => sum + c.bytes - (before[i + 1] ?? 0), 0);
      const run: SseRun = {
        clients,
        load,
        bytesPerClientPerS: readers.length > 0 ? received / readers.length / sliceS : 0,
        readersClosed: readers.filter((c) => c.closed).length,
        llmlbCpuUsPerReq: ((cpuMs(target.pid) - llmlbCpuBefore) * 1000) / Math.max(1, load.requests),
        machineCpuUsPerReq: ((machineBusyMs() - machineBefore) * 1000) / Math.max(1, load.requests),
      };
      log(
        `  ${String(clients).padStart(3)} SSE clients  ${Math.round(load.rps).toString().padStart(6)} req/s  p99 ${load.p99Ms.toFixed(3)} ms  ${(run.bytesPerClientPerS / 1024).toFixed(0)} KiB/s per reading client  ${run.readersClosed} reading clients closed  CPU µs/req llmlb ${run.llmlbCpuUsPerReq.toFixed(0)} machine ${run.machineCpuUsPerReq.toFixed(0)}`,
      );
      return run;
    } finally {
      for (const c of open) c.stop();
      await sleep(200);
    }
  };
  for (let round = 0; round < rounds; round++) {
    // Interleaved: none first in even rounds, clients first in odd ones.
    const order = round % 2 === 0 ? [0, SSE_CLIENTS] : [SSE_CLIENTS, 0];
    for (const clients of order) runs.push(await slice(clients));
  }
  return runs;
}
