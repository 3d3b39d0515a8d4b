// The real entries as child processes: the Node bundle (dist/server.js, built by `npm run build`) and Bun.
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT, type RunningProcess, runProcess, waitForOk } from "../fixtures/process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

const SERVER = join(ROOT, "dist", "server.js");
const BUN = join(ROOT, "node_modules", ".bin", "bun");

describe("entries", () => {
  let running: RunningProcess | undefined;
  let dir: TempDir | undefined;

  beforeAll(() => {
    if (!existsSync(SERVER))
      throw new Error("dist/server.js is missing: run `npm run build` first (npm test does)");
  });
  afterEach(async () => {
    await running?.stop("SIGKILL");
    running = undefined;
    dir?.remove();
  });

  it("node dist/server.js serves /health and /ready, creates the database under the data dir, exits 0 on SIGTERM", async () => {
    dir = tempDir();
    const port = await freePort();
    const dataDir = join(dir.path, "nested", "data");
    running = runProcess(process.execPath, [SERVER], {
      LLMLB_PORT: String(port),
      LLMLB_HOST: "127.0.0.1",
      LLMLB_DATA_DIR: dataDir,
    });
    await waitForOk(`http://127.0.0.1:${port}/ready`, running);
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ status: "ok" });
    expect(existsSync(join(dataDir, "llmlb.db"))).toBe(true);
    const lines = running
      .output()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(lines.some((line) => line.msg === "llmlb listening")).toBe(true);
    expect(await running.stop("SIGTERM")).toBe(0);
    expect(running.output()).toContain('"msg":"stopped"');
  });

  it("node dist/server.js exits non-zero with one line naming an invalid variable", async () => {
    running = runProcess(process.execPath, [SERVER], { LLMLB_PORT: "abc" });
    const code = await running.exited;
    expect(code).not.toBe(0);
    expect(running.output().trim()).toBe(
      'llmlb: configuration error: LLMLB_PORT="abc" is invalid: expected an integer from 1 to 65535',
    );
  });

  it("the Bun entry serves /health under the Bun binary from npm", async () => {
    dir = tempDir();
    const port = await freePort();
    running = runProcess(BUN, ["src/bun.ts"], {
      LLMLB_PORT: String(port),
      LLMLB_HOST: "127.0.0.1",
      LLMLB_DATA_DIR: dir.path,
    });
    await waitForOk(`http://127.0.0.1:${port}/ready`, running);
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(running.output()).toContain('"runtime":"bun 1.4.5"');
    expect(await running.stop("SIGTERM")).toBe(0);
  });

  /** Permission bits of every path under `root` (relative path → octal string), the root included. */
  function modes(root: string): Record<string, string> {
    const found: Record<string, string> = { ".": (statSync(root).mode & 0o777).toString(8) };
    for (const name of readdirSync(root)) found[name] = (statSync(join(root, name)).mode & 0o777).toString(8);
    return found;
  }

  for (const runtime of ["node", "bun"] as const) {
    it(`${runtime}: the data dir is created 0700 and the database files and secret.key 0600`, async () => {
      dir = tempDir();
      const port = await freePort();
      const dataDir = join(dir.path, "fresh", "data");
      const env = { LLMLB_PORT: String(port), LLMLB_HOST: "127.0.0.1", LLMLB_DATA_DIR: dataDir };
      running =
        runtime === "node"
          ? runProcess(process.execPath, [SERVER], env)
          : runProcess(BUN, ["src/bun.ts"], env);
      await waitForOk(`http://127.0.0.1:${port}/ready`, running);
      // A write, so the WAL and shared-memory files exist too.
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: "wrong" }),
      });
      expect(login.status).toBe(401);
      const found = modes(dataDir);
      expect(Object.keys(found)).toEqual(expect.arrayContaining([".", "llmlb.db", "secret.key"]));
      expect(found).toEqual(
        Object.fromEntries(Object.keys(found).map((name) => [name, name === "." ? "700" : "600"])),
      );
      expect(await running.stop("SIGTERM")).toBe(0);
    });
  }

  it("node: an existing database left 0644 by an older version is tightened to 0600 at start", async () => {
    dir = tempDir();
    const port = await freePort();
    writeFileSync(join(dir.path, "llmlb.db"), "", { mode: 0o644 });
    chmodSync(join(dir.path, "llmlb.db"), 0o644);
    running = runProcess(process.execPath, [SERVER], {
      LLMLB_PORT: String(port),
      LLMLB_HOST: "127.0.0.1",
      LLMLB_DATA_DIR: dir.path,
    });
    await waitForOk(`http://127.0.0.1:${port}/ready`, running);
    expect(modes(dir.path)["llmlb.db"]).toBe("600");
    expect(await running.stop("SIGTERM")).toBe(0);
  });
});
