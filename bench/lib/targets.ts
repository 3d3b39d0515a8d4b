// Bench targets: starts the mock upstream, the bare reference proxy and llmlb (Node or Bun), each on
// 127.0.0.1 with a random free port, and hands back what a load run needs (base URL, headers, pid).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort, ROOT, sleep, spawnTracked, type Tracked } from "./processes.js";

export const BUN = join(ROOT, "node_modules/.bin/bun");

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  process: Tracked;
}

export interface ModelSpec {
  id: string;
  latencyMs?: number;
  intervalMs?: number;
  tps?: number;
}

export interface MockUpstream {
  process: Tracked;
  runtime: string;
  /** Listener name → base URL. */
  urls: Record<string, string>;
}

/** The mock runs on Bun (≈1.7× node:http's req/s here), or on Node when Bun is missing. */
export async function startMock(
  listeners: { name: string; models: ModelSpec[] }[],
  runtime: "bun" | "node" = "bun",
): Promise<MockUpstream> {
  const command = runtime === "bun" ? BUN : process.execPath;
  const child = spawnTracked(
    "mock-upstream",
    command,
    ["bench/mock-upstream.mjs", JSON.stringify({ listeners })],
    {
      capture: true,
    },
  );
  const ready = JSON.parse(await child.firstLine()) as {
    listening: { name: string; port: number }[];
    runtime: string;
  };
  const urls: Record<string, string> = {};
  for (const { name, port } of ready.listening) urls[name] = `http://127.0.0.1:${port}`;
  return { process: child, runtime: ready.runtime, urls };
}

/** The bare reference proxy on Node (node:http + undici) or Bun (Bun.serve + fetch). */
export async function startBareProxy(upstreamUrl: string, runtime: "node" | "bun" = "node"): Promise<Target> {
  const [command, script] =
    runtime === "node" ? [process.execPath, "bench/bare-proxy.mjs"] : [BUN, "bench/bare-proxy-bun.mjs"];
  const child = spawnTracked(`bare-proxy-${runtime}`, command, [script, upstreamUrl], { capture: true });
  const { port } = JSON.parse(await child.firstLine()) as { port: number };
  return { name: `bare ${runtime} proxy`, url: `http://127.0.0.1:${port}`, headers: {}, process: child };
}

/** Where bench/splice-relay.c is built (the gitignored bench/.peers/ cache, next to the Portkey peer). */
const SPLICE_RELAY = join(ROOT, "bench/.peers", "splice-relay");
let spliceRelayBuilt: boolean | undefined;

/** Compiles bench/splice-relay.c with the machine's `cc`, once per bench run; false without a C compiler. */
function buildSpliceRelay(): boolean {
  if (spliceRelayBuilt === undefined) {
    mkdirSync(dirname(SPLICE_RELAY), { recursive: true });
    const source = join(ROOT, "bench/splice-relay.c");
    const built = spawnSync("cc", ["-O2", "-pthread", "-o", SPLICE_RELAY, source], { stdio: "ignore" });
    spliceRelayBuilt = built.status === 0;
  }
  return spliceRelayBuilt;
}

/** The kernel relay of bench/splice-relay.c (TCP, splice(2), no HTTP); null when there is no C compiler. */
export async function startSpliceRelay(upstreamUrl: string): Promise<Target | null> {
  if (!buildSpliceRelay()) return null;
  const child = spawnTracked("splice-relay", SPLICE_RELAY, [new URL(upstreamUrl).port], { capture: true });
  const { port } = JSON.parse(await child.firstLine()) as { port: number };
  return { name: "splice(2) relay", url: `http://127.0.0.1:${port}`, headers: {}, process: child };
}

export interface LlmlbOptions {
  name: string;
  runtime: "node" | "bun";
  /** LLMLB_ENDPOINTS value: name=url,... */
  endpoints: string;
  /** Extra LLMLB_* variables. */
  env?: Record<string, string>;
  /** Create a real API key through the admin API (auth on) instead of running with auth disabled. */
  apiKey: boolean;
  /** Path polled for the cold-start figure: /ready (database reachable) or /health. */
  readyPath?: string;
  /** Wait until this model is routable on at least minEndpoints endpoints. */
  model: string;
  minEndpoints?: number;
  logDir: string;
  /** Extra node flags, e.g. --cpu-prof (Node runtime only). */
  nodeArgs?: string[];
  /** Reuse a data directory (restart); a fresh temporary one otherwise. */
  dataDir?: string;
}

export interface Llmlb extends Target {
  /** Spawn → first 200 from readyPath, ms. */
  coldStartMs: number;
  /** Admin session (dashboard APIs such as /api/events); empty with auth disabled. */
  adminHeaders: Record<string, string>;
  dataDir: string;
  logFile: string;
}

export async function poll<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  probe: () => Promise<T | null>,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError = "";
  while (performance.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${lastError}`);
}

async function createApiKey(url: string, password: string): Promise<{ key: string; token: string }> {
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
  if (!login.ok) throw new Error(`login failed: HTTP ${login.status} ${await login.text()}`);
  const session = (await login.json()) as Record<string, unknown>;
  const token = session.token ?? session.access_token;
  if (typeof token !== "string")
    throw new Error(`login returned no bearer token: ${JSON.stringify(session)}`);
  const created = await fetch(`${url}/api/api-keys`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: "bench", permissions: ["openai.inference", "openai.models.read"] }),
  });
  if (!created.ok)
    throw new Error(`creating an API key failed: HTTP ${created.status} ${await created.text()}`);
  const key = (await created.json()) as Record<string, unknown>;
  const secret = key.key ?? key.api_key ?? key.secret;
  if (typeof secret !== "string") throw new Error(`API key response has no key: ${JSON.stringify(key)}`);
  return { key: secret, token };
}

export async function startLlmlb(options: LlmlbOptions): Promise<Llmlb> {
  const port = await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "llmlb-bench-"));
  const password = randomBytes(12).toString("hex");
  const logFile = join(options.logDir, `${options.name.replace(/\W+/g, "-")}.log`);
  const env: Record<string, string> = {
    LLMLB_HOST: "127.0.0.1",
    LLMLB_PORT: String(port),
    LLMLB_DATA_DIR: dataDir,
    LLMLB_ENDPOINTS: options.endpoints,
    LLMLB_ADMIN_PASSWORD: password,
    ...(options.apiKey ? {} : { LLMLB_AUTH_DISABLED: "1" }),
    ...options.env,
  };
  const [command, args] =
    options.runtime === "node"
      ? [process.execPath, [...(options.nodeArgs ?? []), "dist/server.js"]]
      : [BUN, ["src/bun.ts"]];
  const started = performance.now();
  const child = spawnTracked(options.name, command, args, { env, logFile });
  const url = `http://127.0.0.1:${port}`;
  let exitCode: number | null | undefined;
  void child.exited.then((code) => {
    exitCode = code;
  });
  await poll(`${options.name} ${options.readyPath ?? "/ready"}`, 20_000, 5, async () => {
    if (exitCode !== undefined) throw new Error(`${options.name} exited ${exitCode}; see ${logFile}`);
    const response = await fetch(`${url}${options.readyPath ?? "/ready"}`);
    await response.arrayBuffer();
    return response.ok ? true : null;
  });
  const coldStartMs = performance.now() - started;
  const credentials = options.apiKey ? await createApiKey(url, password) : null;
  const headers: Record<string, string> = credentials ? { authorization: `Bearer ${credentials.key}` } : {};
  const adminHeaders: Record<string, string> = credentials
    ? { authorization: `Bearer ${credentials.token}` }
    : {};
  await poll(`${options.name} to route ${options.model}`, 20_000, 50, async () => {
    const response = await fetch(`${url}/v1/models`, { headers });
    if (!response.ok) throw new Error(`GET /v1/models: HTTP ${response.status}`);
    const list = (await response.json()) as { data?: { id: string; endpoint_ids?: string[] }[] };
    const model = list.data?.find((item) => item.id === options.model);
    if (!model) return null;
    return (model.endpoint_ids?.length ?? 1) >= (options.minEndpoints ?? 1) ? true : null;
  });
  return { name: options.name, url, headers, adminHeaders, process: child, coldStartMs, dataDir, logFile };
}
