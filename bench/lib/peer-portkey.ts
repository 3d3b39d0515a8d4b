// Bench peer: the Portkey AI gateway (npm @portkey-ai/gateway), installed on demand into the gitignored
// bench/.peers/ cache (never a dependency of llmlb), started on a loopback port and pointed at the same mock
// upstream through its OpenAI provider with a custom host; measured as shipped, in section 1 only.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort, ROOT, spawnTracked } from "./processes.js";
import { CHAT_BODY } from "./scenarios.js";
import { poll, type Target } from "./targets.js";

export const PORTKEY_VERSION = "1.15.2";
export const PORTKEY = `portkey ${PORTKEY_VERSION}`;
const PACKAGE = "@portkey-ai/gateway";
export const PORTKEY_DIR = join(ROOT, "bench/.peers", `portkey-${PORTKEY_VERSION}`);
const INSTALL_BOUND_MS = 120_000;

/** Section 1's peer: measured (a target) or not, with the reason printed and written to the report. */
export type Peer =
  | { name: string; target: Target; note: string }
  | { name: string; target: null; note: string };

const installedScript = (dir: string) => join(dir, "node_modules", PACKAGE, "build/start-server.js");

function installedVersion(dir: string): string | null {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, "node_modules", PACKAGE, "package.json"), "utf8"));
    return typeof manifest.version === "string" ? manifest.version : null;
  } catch {
    return null;
  }
}

/**
 * The gateway's start-server.js, installed if the cache lacks this exact version. --ignore-scripts skips its
 * only install script (`patch-package`), which has nothing to apply: the published package ships no
 * patches/ directory; it also spares npm 11's script approval. Throws with npm's last error line.
 */
async function ensureInstalled(dir: string, log: (line: string) => void): Promise<string> {
  if (installedVersion(dir) === PORTKEY_VERSION && existsSync(installedScript(dir)))
    return installedScript(dir);
  mkdirSync(dir, { recursive: true });
  log(`  installing ${PACKAGE}@${PORTKEY_VERSION} into ${dir} (once; ≈ 25 MB) …`);
  const env = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const npm = spawnTracked(
    "npm install (portkey peer)",
    "npm",
    [
      "install",
      "--prefix",
      dir,
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--fetch-retries=1",
      `${PACKAGE}@${PORTKEY_VERSION}`,
    ],
    { capture: true, env },
  );
  const killer = setTimeout(() => npm.kill("SIGKILL"), INSTALL_BOUND_MS);
  const code = await npm.exited;
  clearTimeout(killer);
  if (code !== 0) {
    const lines = npm
      .output()
      .split("\n")
      .filter(
        (line) => /\berr(or)?\b/i.test(line) && !/Unknown user config|syscall|errno|complete log/.test(line),
      );
    throw new Error(`npm install exited ${code}: ${lines.slice(0, 2).join(" / ") || "no error line"}`);
  }
  if (installedVersion(dir) !== PORTKEY_VERSION)
    throw new Error(`npm installed no ${PACKAGE}@${PORTKEY_VERSION}`);
  return installedScript(dir);
}

async function mockCompletions(mockUrl: string): Promise<number> {
  const stats = (await (await fetch(`${mockUrl}/_mock/stats`)).json()) as {
    requests: Record<string, number>;
  };
  return stats.requests.m0 ?? 0;
}

/** One request through the peer must answer 200 with the mock's completion and be counted by the mock. */
async function checkReachesMock(target: Target, mockUrl: string): Promise<void> {
  const before = await mockCompletions(mockUrl);
  const response = await fetch(`${target.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers },
    body: CHAT_BODY,
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`a request through it answered HTTP ${response.status}: ${text}`);
  const body = JSON.parse(text) as { id?: string; model?: string };
  if (body.id !== "chatcmpl-bench-0001" || body.model !== "m0")
    throw new Error(`its answer is not the mock's completion: ${text.slice(0, 200)}`);
  const after = await mockCompletions(mockUrl);
  if (after !== before + 1) throw new Error(`the mock counted ${after - before} completions for one request`);
}

async function startPortkey(script: string, mockUrl: string, logDir: string): Promise<Target> {
  const port = await freePort();
  const logFile = join(logDir, "portkey-peer.log");
  const preload = pathToFileURL(join(ROOT, "bench/loopback-only.mjs")).href;
  // --headless: no web UI and no /log/stream route (its request logger still runs, as shipped).
  const child = spawnTracked(
    PORTKEY,
    process.execPath,
    ["--import", preload, script, `--port=${port}`, "--headless"],
    {
      logFile,
    },
  );
  const url = `http://127.0.0.1:${port}`;
  let exitCode: number | null | undefined;
  void child.exited.then((code) => {
    exitCode = code;
  });
  await poll(`${PORTKEY} to answer GET /`, 20_000, 50, async () => {
    if (exitCode !== undefined) throw new Error(`it exited ${exitCode}; see ${logFile}`);
    const response = await fetch(`${url}/`);
    return (await response.text()).includes("AI Gateway") ? true : null;
  });
  const headers = {
    // Portkey's OpenAI provider sends chat completions to <custom host>/chat/completions with this key.
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": `${mockUrl}/v1`,
    authorization: "Bearer sk-bench-peer",
  };
  return { name: PORTKEY, url, headers, process: child };
}

/** Installs (if needed), starts and checks the peer; never throws: a failure is a "not measured" note. */
export async function startPeer(
  mockUrl: string,
  logDir: string,
  log: (line: string) => void,
  skip = false,
): Promise<Peer> {
  if (skip) return { name: PORTKEY, target: null, note: "Portkey peer: not measured — skipped (--no-peer)" };
  let target: Target | null = null;
  try {
    const script = await ensureInstalled(PORTKEY_DIR, log);
    target = await startPortkey(script, mockUrl, logDir);
    await checkReachesMock(target, mockUrl);
    log(`${PORTKEY} ready on ${target.url} (pid ${target.process.pid}), routing to the mock`);
    return {
      name: PORTKEY,
      target,
      note: `Peer: ${PACKAGE}@${PORTKEY_VERSION} on Node as shipped (\`build/start-server.js --headless\`, bound to 127.0.0.1 by bench/loopback-only.mjs), installed on demand into bench/.peers/ with \`npm install --ignore-scripts\`; requests carry \`x-portkey-provider: openai\` and \`x-portkey-custom-host: <mock>/v1\`, so it forwards to the same mock. Before measuring, one request through it must answer the mock's completion with 200 and be counted by the mock.`,
    };
  } catch (error) {
    await target?.process.stop();
    const reason = error instanceof Error ? error.message : String(error);
    const note = `Portkey peer: not measured — ${reason}`;
    log(note);
    return { name: PORTKEY, target: null, note };
  }
}
