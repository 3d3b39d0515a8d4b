// The `llmlb` CLI as a real child process against a real llmlb (Node bundle) with a fake vLLM upstream:
// every command's table and --json output, and one-line errors with non-zero exits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { LLMLB_BIN, runCli } from "../fixtures/cli.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { ADMIN_PASSWORD, type LlmlbProcess, startLlmlb } from "../fixtures/llmlb-process.js";
import { freePort, runProcess, waitForOk } from "../fixtures/process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

const TIMEOUT = 120_000;
let llmlb: LlmlbProcess;
let upstream: InferenceServer;
let dir: TempDir;
let admin: Record<string, string>;

beforeAll(async () => {
  dir = tempDir();
  upstream = await startInferenceServer("vllm", {
    models: ["cli-model", "cli-hang"],
    scripts: { "cli-hang": { hang: true } },
  });
  llmlb = await startLlmlb("node", { LLMLB_DATA_DIR: dir.path });
  admin = { LLMLB_URL: llmlb.url, LLMLB_USER: "admin", LLMLB_PASSWORD: ADMIN_PASSWORD };
}, TIMEOUT);

afterAll(async () => {
  await llmlb?.stop("SIGKILL");
  await upstream?.stop();
  dir?.remove();
});

const json = (stdout: string) => JSON.parse(stdout);

describe("llmlb CLI", () => {
  it(
    "prints its help through npx from the project, exit 0",
    async () => {
      const result = await runCli(["llmlb", "--help"], {}, "npx");
      expect(result.code).toBe(0);
      for (const command of ["serve", "status", "endpoints", "keys", "stats", "bench"]) {
        expect(result.stdout).toContain(command);
      }
      const version = await runCli(["--version"]);
      expect(version).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: "" });
    },
    TIMEOUT,
  );

  it(
    "manages endpoints and keys, measures a model and shows stats",
    async () => {
      const status = await runCli(["status", "--json"], { LLMLB_URL: llmlb.url });
      expect(status.code).toBe(0);
      expect(json(status.stdout)).toMatchObject({ health: "ok", ready: "ok", stats: null });

      const added = await runCli(
        ["endpoints", "add", "gpu1", upstream.url, "--type", "vllm", "--json"],
        admin,
      );
      expect(added.stderr).toBe("");
      expect(json(added.stdout)).toMatchObject({ name: "gpu1", endpoint_type: "vllm" });

      const list = await runCli(["endpoints", "list"], admin);
      expect(list.stdout).toMatch(/^ID\s+NAME\s+TYPE\s+STATUS/);
      expect(list.stdout).toContain("gpu1");
      expect(list.stdout).toContain(upstream.url);

      const test = await runCli(["endpoints", "test", "gpu1"], admin);
      expect(test.code).toBe(0);
      expect(test.stdout).toMatch(/success\s+yes/);
      expect(test.stdout).toMatch(/models_found\s+2/);

      const sync = await runCli(["endpoints", "sync", "gpu1", "--json"], admin);
      expect(json(sync.stdout)).toMatchObject({ synced_models: 2 });

      const created = await runCli(
        ["keys", "create", "bench key", "-p", "openai.inference", "endpoints.read", "--priority", "batch"],
        admin,
      );
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/priority\s+batch/);
      const key = /key\s+(sk_\S+)/.exec(created.stdout)?.[1] as string;
      expect(created.stdout).toContain("not shown again");
      const keys = await runCli(["keys", "list", "--json"], admin);
      expect(json(keys.stdout).data.find((k: { name: string }) => k.name === "bench key")).toMatchObject({
        priority: "batch",
      });

      const bench = await runCli(
        ["bench", "cli-model", "-n", "4", "-c", "2", "--max-tokens", "16", "--json"],
        {
          LLMLB_URL: llmlb.url,
          LLMLB_API_KEY: key,
        },
      );
      expect(bench.code).toBe(0);
      const summary = json(bench.stdout).summary;
      expect(summary).toMatchObject({
        requests: 4,
        succeeded: 4,
        failed: 0,
        output_tokens: 64,
        tokens_from_usage: true,
      });
      expect(summary.ttft_ms_p50).toBeGreaterThan(0);
      expect(summary.throughput_tps).toBeGreaterThan(0);

      const stats = await runCli(["stats"], { LLMLB_URL: llmlb.url, LLMLB_API_KEY: key });
      expect(stats.code).toBe(0);
      expect(stats.stdout).toMatch(/requests\s+4 \(4 ok, 0 failed\)/);
      expect(stats.stdout).toMatch(/gpu1\s+cli-model\s+chat_completions/);

      const withStats = await runCli(["status"], { LLMLB_URL: llmlb.url, LLMLB_API_KEY: key });
      expect(withStats.stdout).toMatch(/endpoints\s+1 online/);

      // A --user flag beats an API key from the environment (keys need an admin login, not a key).
      const flagged = await runCli(["keys", "list", "--user", "admin", "--password", ADMIN_PASSWORD], {
        LLMLB_URL: llmlb.url,
        LLMLB_API_KEY: key,
      });
      expect(flagged.code).toBe(0);
      expect(flagged.stdout).toContain("bench key");

      // A request that never answers is a failed sample bounded by --request-timeout; the run exits 1.
      const hung = await runCli(["bench", "cli-hang", "-n", "1", "--request-timeout", "1", "--json"], {
        LLMLB_URL: llmlb.url,
        LLMLB_API_KEY: key,
      });
      expect(hung.code).toBe(1);
      expect(json(hung.stdout).summary).toMatchObject({ requests: 1, succeeded: 0, failed: 1 });
      expect(json(hung.stdout).summary.errors[0]).toMatch(
        /did not answer \/v1\/chat\/completions within 1 s/,
      );

      const revoked = await runCli(["keys", "revoke", "bench key"], admin);
      expect(revoked.code).toBe(0);
      const after = await runCli(["stats"], { LLMLB_URL: llmlb.url, LLMLB_API_KEY: key });
      expect(after.code).toBe(1);
      expect(after.stderr).toMatch(/401/);

      const removed = await runCli(["endpoints", "rm", "gpu1"], admin);
      expect(removed.stdout).toContain("removed gpu1");
      const empty = await runCli(["endpoints", "list", "--json"], admin);
      expect(json(empty.stdout)).toEqual({ endpoints: [], total: 0 });
    },
    TIMEOUT,
  );

  it(
    "registers a cloud endpoint with its provider key (here a loopback OpenAI-compatible server)",
    async () => {
      const cloud = await startInferenceServer("openai", { models: ["gpt-4o-mini"], apiKey: "sk-cloud" });
      try {
        const added = await runCli(
          ["endpoints", "add", "oa", cloud.url, "--type", "openai", "--upstream-key", "sk-cloud", "--json"],
          admin,
        );
        expect(added.stderr).toBe("");
        expect(json(added.stdout)).toMatchObject({ name: "oa", endpoint_type: "openai", status: "online" });
        const list = await runCli(["endpoints", "list"], admin);
        expect(list.stdout).toMatch(/oa\s+openai\s+online/);
        expect((await runCli(["endpoints", "rm", "oa"], admin)).code).toBe(0);
      } finally {
        await cloud.stop();
      }
    },
    TIMEOUT,
  );

  const oneLine = (text: string) => text.trimEnd().split("\n");

  it(
    "reports every failure as one line on stderr with a non-zero exit",
    async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const cases: [args: string[], env: Record<string, string>, code: number, message: RegExp][] = [
        [
          ["endpoints", "list"],
          { LLMLB_URL: closed, LLMLB_API_KEY: "sk_x" },
          1,
          /cannot reach llmlb at .*ECONNREFUSED/,
        ],
        [
          ["endpoints", "list"],
          { LLMLB_URL: llmlb.url, LLMLB_API_KEY: "sk_wrong" },
          1,
          /→ 401: Invalid.*--api-key/,
        ],
        [["endpoints", "list"], { LLMLB_URL: llmlb.url }, 1, /→ 401: Authentication required/],
        [["keys", "revoke", "no-such-key"], admin, 1, /→ 404: No API key with id no-such-key/],
        [["endpoints", "rm", "nope"], admin, 1, /no endpoint with id or name 'nope'/],
        [
          ["endpoints", "add", "only-a-name"],
          admin,
          2,
          /a base URL is required \(only --type openai, anthropic, google default to their provider's URL\)/,
        ],
        [["endpoints", "add", "ollama-box", "--type", "ollama"], admin, 2, /a base URL is required/],
        // No URL is fine for a cloud type: the request reaches the server, which wants the provider's key.
        [
          ["endpoints", "add", "oa", "--type", "openai"],
          admin,
          1,
          /→ 400: A openai endpoint needs an api_key/,
        ],
        [["endpoints", "add", "x", "ftp://a"], admin, 1, /→ 400: Invalid body field 'base_url'/],
        [["keys", "create", "k", "-p", "everything"], admin, 2, /argument 'everything' is invalid/],
        [
          ["keys", "create", "k", "-p", "openai.inference", "--priority", "urgent"],
          admin,
          2,
          /argument 'urgent' is invalid.*interactive, batch/,
        ],
        [["bench", "m", "-n", "zero"], admin, 2, /--requests must be a whole number/],
        [["endpoints", "lst"], admin, 2, /unknown command 'lst'/],
        [["status"], { LLMLB_URL: "not a url" }, 2, /--url 'not a url' is not a URL/],
        [
          ["keys", "list"],
          { LLMLB_URL: llmlb.url, LLMLB_USER: "admin", LLMLB_PASSWORD: "wrong" },
          1,
          /→ 401/,
        ],
      ];
      const results = await Promise.all(cases.map(([args, env]) => runCli(args, env)));
      results.forEach((result, i) => {
        const [args, , code, message] = cases[i] as (typeof cases)[number];
        expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code, stdout: "" });
        expect(oneLine(result.stderr)).toHaveLength(1);
        expect(result.stderr).toMatch(message);
      });
    },
    TIMEOUT,
  );

  it(
    "serve runs the Node server with the given port and data directory",
    async () => {
      const port = await freePort();
      const data = tempDir();
      const args = [
        LLMLB_BIN,
        "serve",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--data-dir",
        data.path,
      ];
      const serving = runProcess(process.execPath, args, { LLMLB_ADMIN_PASSWORD: ADMIN_PASSWORD });
      try {
        await waitForOk(`http://127.0.0.1:${port}/ready`, serving, 60_000);
        const status = await runCli(["status", "--json"], { LLMLB_URL: `http://127.0.0.1:${port}` });
        expect(json(status.stdout)).toMatchObject({ health: "ok", ready: "ok" });
        expect(serving.output()).toContain("llmlb listening");
      } finally {
        expect(await serving.stop("SIGTERM")).toBe(0);
        data.remove();
      }
    },
    TIMEOUT,
  );
});
