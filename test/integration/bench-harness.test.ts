// The benchmark's own instruments on a tiny workload: the mock upstream, the streaming client's chunk
// accounting, the percentile maths and the wrk report parser (no timing is asserted).
import { spawnSync } from "node:child_process";
import { Agent } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWrkOutput } from "../../bench/lib/load.js";
import { stopAll } from "../../bench/lib/processes.js";
import { percentile, summarize } from "../../bench/lib/stats.js";
import { parseSseEvents, runStreams, streamOnce } from "../../bench/lib/stream-client.js";
import { type MockUpstream, startMock } from "../../bench/lib/targets.js";

let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMock([
    { name: "main", models: [{ id: "m0", intervalMs: 2 }] },
    { name: "decoder", models: [{ id: "route", latencyMs: 5, tps: 1000 }] },
  ]);
});
afterAll(() => stopAll());

const streamBody = (model: string, maxTokens: number, includeUsage: boolean) =>
  JSON.stringify({
    model,
    messages: [{ role: "user", content: "hi" }],
    max_tokens: maxTokens,
    stream: true,
    stream_options: { include_usage: includeUsage },
  });

describe("bench harness", () => {
  it("nearest-rank percentiles and summaries", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([1, 2, 3, 4])).toMatchObject({ n: 4, p50: 2, p99: 4, max: 4, mean: 2.5 });
  });

  it("splits SSE events across reads and keeps the incomplete tail", () => {
    const first = parseSseEvents('data: {"a":1}\n\ndata: [DO');
    expect(first.payloads).toEqual(['{"a":1}']);
    const second = parseSseEvents(`${first.rest}NE]\n\n`);
    expect(second).toEqual({ payloads: ["[DONE]"], rest: "" });
  });

  it("the mock lists its models and answers non-stream with a ~1.4 KB completion carrying usage", async () => {
    const models = (await (await fetch(`${mock.urls.main}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(["m0"]);
    const response = await fetch(`${mock.urls.main}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m0", messages: [] }),
    });
    const text = await response.text();
    expect(text.length).toBeGreaterThan(1300);
    expect(text.length).toBeLessThan(1500);
    expect(JSON.parse(text).usage.completion_tokens).toBe(180);
  });

  it("counts every content chunk, the usage chunk and [DONE] of each stream", async () => {
    const summary = await runStreams(
      { url: mock.urls.main as string, headers: {} },
      streamBody("m0", 6, true),
      {
        concurrency: 2,
        count: 4,
        expectedEvents: 8,
      },
    );
    expect(summary).toMatchObject({ streams: 4, failed: 0, delivered: 32, expected: 32 });
    expect(summary.ttftMs).toHaveLength(4);
    expect(summary.gapsMs).toHaveLength(4 * 5);
  });

  it("reports a stream that lost its usage chunk as under 100 % delivered", async () => {
    const summary = await runStreams(
      { url: mock.urls.main as string, headers: {} },
      streamBody("m0", 3, false),
      {
        concurrency: 1,
        count: 2,
        expectedEvents: 5,
      },
    );
    expect(summary.delivered / summary.expected).toBe(0.8);
  });

  it("a decode-speed model streams exactly max_tokens tokens, shared by concurrent requests", async () => {
    const agent = new Agent({ keepAlive: true });
    const target = { url: mock.urls.decoder as string, headers: {} };
    const records = await Promise.all(
      [25, 7, 12].map((tokens) => streamOnce(target, streamBody("route", tokens, true), agent)),
    );
    agent.destroy();
    expect(records.map((r) => r.content.split("x ").length - 1)).toEqual([25, 7, 12]);
    expect(records.map((r) => [r.usageChunks, r.done, r.error])).toEqual([
      [1, true, null],
      [1, true, null],
      [1, true, null],
    ]);
    const stats = (await (await fetch(`${mock.urls.decoder}/_mock/stats`)).json()) as {
      requests: Record<string, number>;
    };
    expect(stats.requests.route).toBe(3);
  });

  it("reads wrk's report line (µs) into req/s and ms percentiles", () => {
    const result = parseWrkOutput(
      'Running 2s test\nBENCHJSON {"requests":20000,"duration_us":2000000,"connect":0,"read":1,"write":0,"status":3,"timeout":2,"p50":250,"p90":400,"p99":1500,"mean":300.5}\n',
    );
    expect(result).toEqual({
      requests: 20000,
      rps: 10000,
      p50Ms: 0.25,
      p90Ms: 0.4,
      p99Ms: 1.5,
      meanMs: 0.3005,
      errors: 3,
      non2xx: 3,
    });
  });

  it("the peer's loopback preload binds a server given only a port to 127.0.0.1, not every interface", () => {
    const script =
      'const s = require("node:http").createServer(); s.listen(0, () => { console.log(JSON.stringify(s.address())); s.close(); });';
    const run = (preload: string[]) =>
      JSON.parse(spawnSync(process.execPath, [...preload, "-e", script], { encoding: "utf8" }).stdout) as {
        address: string;
      };
    expect(run(["--import", "./bench/loopback-only.mjs"]).address).toBe("127.0.0.1");
    expect(run([]).address).not.toBe("127.0.0.1");
  });
});
