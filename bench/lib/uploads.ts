// Bench section 9: a 10 MiB multipart transcription upload straight to an upstream against the same upload
// through llmlb (model field first, as the Python SDK and curl -F send it) and through the bare proxy of
// llmlb's runtime (what a second loopback hop costs by itself here), alternated over rounds, with both
// proxies' RSS sampled during the uploads: streaming must cost little time and hold no copy of the file.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { rssMiB, sampleRss } from "./processes.js";
import type { Log } from "./scenarios.js";
import { median, ms } from "./stats.js";
import { type Llmlb, startBareProxy, startSpliceRelay } from "./targets.js";

const FILE_BYTES = 10 * 1024 * 1024;
const BOUNDARY = "llmlb-bench-boundary";

export interface UploadBench {
  target: string;
  fileMiB: number;
  /** Whole request (send → answer read) per upload, ms. */
  directMs: number[];
  llmlbMs: number[];
  /** The same upload through the bare proxy on llmlb's runtime (bench/bare-proxy*.mjs): a proxy's floor here. */
  bareMs: number[];
  bareRuntime: "node" | "bun";
  /**
   * The same upload through bench/splice-relay.c (TCP forwarding in the kernel, no HTTP): what the extra hop
   * alone costs here, below any proxy. Empty when the machine has no C compiler.
   */
  relayMs: number[];
  /** llmlb's RSS before the uploads and its peak during them, MiB. */
  rssBeforeMiB: number;
  rssPeakMiB: number;
  /** The same for the bare proxy. */
  bareRssBeforeMiB: number;
  bareRssPeakMiB: number;
  failed: number;
}

/** The upload body: `model` first, then the file, as one buffer (the client side holds it, not llmlb). */
function uploadBody(): Buffer {
  const file = Buffer.alloc(FILE_BYTES, 0x5a);
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-bench\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n` +
        "Content-Type: audio/wav\r\n\r\n",
    ),
    file,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** An upstream that reads the whole body (counting it) and answers a transcription. */
async function startUploadUpstream(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.method === "GET") {
      const body = JSON.stringify({ object: "list", data: [{ id: "whisper-bench", object: "model" }] });
      response.writeHead(200, { "content-type": "application/json" }).end(body);
      return;
    }
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
    });
    request.on("end", () => {
      const body = JSON.stringify({ text: `heard ${size} bytes` });
      response.writeHead(200, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function upload(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/audio/transcriptions`, {
    method: "POST",
    headers: { ...headers, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    body: new Uint8Array(body),
  });
  const text = await response.text();
  if (response.status !== 200 || !text.includes("heard")) throw new Error(`${response.status}: ${text}`);
  return performance.now() - started;
}

export async function runUploadBench(target: Llmlb, rounds: number, log: Log): Promise<UploadBench> {
  const upstream = await startUploadUpstream();
  const bareRuntime = target.name.includes("bun") ? "bun" : "node";
  const bare = await startBareProxy(upstream.url, bareRuntime);
  const relay = await startSpliceRelay(upstream.url);
  const result: UploadBench = {
    target: target.name,
    fileMiB: FILE_BYTES / 2 ** 20,
    directMs: [],
    llmlbMs: [],
    bareMs: [],
    bareRuntime,
    relayMs: [],
    rssBeforeMiB: 0,
    rssPeakMiB: 0,
    bareRssBeforeMiB: 0,
    bareRssPeakMiB: 0,
    failed: 0,
  };
  try {
    const registered = await fetch(`${target.url}/api/endpoints`, {
      method: "POST",
      headers: { ...target.adminHeaders, "content-type": "application/json" },
      body: JSON.stringify({ name: "upload-bench", base_url: upstream.url }),
    });
    if (registered.status !== 201) throw new Error(`registering the upload upstream: ${registered.status}`);
    const body = uploadBody();
    const routes = [
      { times: result.directMs, url: upstream.url, headers: {} },
      { times: result.llmlbMs, url: target.url, headers: target.headers },
      { times: result.bareMs, url: bare.url, headers: {} },
      ...(relay ? [{ times: result.relayMs, url: relay.url, headers: {} }] : []),
    ];
    for (let i = 0; i < 3; i++) for (const route of routes) await upload(route.url, route.headers, body);
    result.rssBeforeMiB = rssMiB(target.process.pid);
    result.bareRssBeforeMiB = rssMiB(bare.process.pid);
    const sampler = sampleRss(target.process.pid, 20);
    const bareSampler = sampleRss(bare.process.pid, 20);
    sampler.reset();
    bareSampler.reset();
    for (let round = 0; round < rounds * 5; round++) {
      // Rotate which goes first so drift on the machine falls on every route equally.
      for (let turn = 0; turn < routes.length; turn++) {
        const route = routes[(round + turn) % routes.length] as (typeof routes)[number];
        try {
          route.times.push(await upload(route.url, route.headers, body));
        } catch {
          result.failed++;
        }
      }
    }
    result.rssPeakMiB = sampler.peak;
    result.bareRssPeakMiB = bareSampler.peak;
    sampler.stop();
    bareSampler.stop();
    const figures = uploadFigures(result);
    log(
      `  ${target.name}: direct ${ms(median(result.directMs))} ms, via llmlb ${ms(median(result.llmlbMs))} ms (+${(figures.addedShare * 100).toFixed(1)} %), via bare ${bareRuntime} proxy ${ms(median(result.bareMs))} ms (+${(figures.bareAddedShare * 100).toFixed(1)} %), via splice relay ${figures.relayAddedShare === null ? "–" : `+${(figures.relayAddedShare * 100).toFixed(1)} %`}, RSS +${figures.rssGrowthMiB.toFixed(1)} MiB (bare +${figures.bareRssGrowthMiB.toFixed(1)})`,
    );
  } finally {
    await bare.process.stop();
    await relay?.process.stop();
    upstream.server.closeAllConnections();
    upstream.server.close();
  }
  return result;
}

export function uploadFigures(bench: UploadBench) {
  const direct = median(bench.directMs);
  const via = median(bench.llmlbMs);
  const bare = median(bench.bareMs);
  return {
    addedShare: (via - direct) / direct,
    bareAddedShare: (bare - direct) / direct,
    /** null without a relay run (no C compiler). */
    relayAddedShare: bench.relayMs.length > 0 ? (median(bench.relayMs) - direct) / direct : null,
    rssGrowthMiB: bench.rssPeakMiB - bench.rssBeforeMiB,
    bareRssGrowthMiB: bench.bareRssPeakMiB - bench.bareRssBeforeMiB,
  };
}

export function uploadsTable(benches: UploadBench[]): string {
  const rows = benches.map((bench) => {
    const figures = uploadFigures(bench);
    const relay =
      figures.relayAddedShare === null
        ? "– (no cc)"
        : `${ms(median(bench.relayMs))} (+${(figures.relayAddedShare * 100).toFixed(1)} %)`;
    return `| ${bench.target} | ${bench.fileMiB} MiB | ${ms(median(bench.directMs))} | ${ms(median(bench.llmlbMs))} | +${(figures.addedShare * 100).toFixed(1)} % | ${bench.bareRuntime}: ${ms(median(bench.bareMs))} (+${(figures.bareAddedShare * 100).toFixed(1)} %) | ${relay} | ${bench.rssBeforeMiB.toFixed(1)} → ${bench.rssPeakMiB.toFixed(1)} MiB (+${figures.rssGrowthMiB.toFixed(1)}) | +${figures.bareRssGrowthMiB.toFixed(1)} MiB | ${bench.failed} |`;
  });
  return [
    "| llmlb | file | direct ms (median) | via llmlb ms | added | via bare proxy ms (added) | via splice(2) relay ms (added) | llmlb RSS before → peak | bare proxy RSS growth | failed |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
