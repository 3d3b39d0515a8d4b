// deploy/ files proven against a running llmlb: every series deploy/grafana-dashboard.json queries is in
// /metrics, and the real Prometheus, configured by deploy/prometheus.yml (target and key file adapted),
// scrapes llmlb and answers every dashboard query with data.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../fixtures/admin-api.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { eventually } from "../fixtures/llmlb-process.js";
import { ROOT } from "../fixtures/process.js";
import { adaptConfig, type Prometheus, readDeployConfig, startPrometheus } from "../fixtures/prometheus.js";
import { openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

interface Panel {
  title: string;
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(readFileSync(join(ROOT, "deploy", "grafana-dashboard.json"), "utf8")) as {
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
};

/** Every PromQL expression of the dashboard with its panel title. */
const queries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
);

/** Grafana's variables as an "All" selection and a rate window that holds several 1 s scrapes. */
const concrete = (expr: string) =>
  expr.replaceAll("$__rate_interval", "30s").replaceAll("$endpoint", ".*").replaceAll("$model", ".*");

const metricNames = (text: string) => [...new Set(text.match(/\bllmlb_[a-z_]+/g) ?? [])];

let app: TestApp;
let upstream: InferenceServer;
let client: OpenAI;
let dir: TempDir;
let prometheus: Prometheus | undefined;

beforeAll(async () => {
  dir = tempDir("llmlb-prometheus-");
  app = await startTestApp();
  upstream = await startInferenceServer("vllm", {
    models: ["mon-model", "mon-broken"],
    scripts: { "mon-model": { ttftMs: 20, tokensPerSec: 500 }, "mon-broken": { failStatus: 500 } },
  });
  await registerEndpoint(app, "gpu-mon", upstream.url);
  client = await openaiClient(app);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await app?.close();
  await upstream?.stop();
  dir?.remove();
});

/** A batch of traffic: streamed and whole successes and one upstream 500. */
async function traffic(): Promise<void> {
  const stream = await client.chat.completions.create({
    model: "mon-model",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "hi" }],
  });
  for await (const _chunk of stream) {
    // drain
  }
  await client.chat.completions.create({ model: "mon-model", messages: [{ role: "user", content: "hi" }] });
  await expect(
    client.chat.completions.create({ model: "mon-broken", messages: [{ role: "user", content: "hi" }] }),
  ).rejects.toThrow();
}

const requestsSeen = async (target: Prometheus) =>
  Number((await target.query("sum(llmlb_requests_total)"))[0]?.value[1] ?? 0);

describe("monitoring files", () => {
  it("the dashboard queries the series the requirements name, and no variable is left unknown", () => {
    const all = queries.map((query) => query.expr).join("\n");
    for (const name of [
      "llmlb_requests_total",
      "llmlb_output_tokens_total",
      "llmlb_tokens_per_second",
      "llmlb_ttft_seconds_bucket",
      "llmlb_in_flight_requests",
      "llmlb_queued_requests",
      "llmlb_endpoint_up",
      "llmlb_endpoint_status",
    ]) {
      expect(all).toContain(name);
    }
    expect(all).toContain('outcome="error"');
    const variables = new Set(dashboard.templating.list.map((variable) => variable.name));
    for (const used of all.match(/\$(?!__rate_interval)[a-z_]+/g) ?? [])
      expect(variables).toContain(used.slice(1));
  });

  it("every series the dashboard queries is in /metrics", async () => {
    await traffic();
    const created = await api(app, "POST", "/api/api-keys", {
      name: "scrape",
      permissions: ["metrics.read"],
    });
    const response = await fetch(`${app.url}/metrics`, {
      headers: { authorization: `Bearer ${created.body.key}` },
    });
    const exposition = await response.text();
    const exposed = new Set(
      exposition.split("\n").flatMap((line) => /^(llmlb_[a-z_]+)[{ ]/.exec(line)?.[1] ?? []),
    );
    const used = metricNames(
      [
        ...queries.map((query) => query.expr),
        ...dashboard.templating.list.map((v) => v.definition ?? ""),
      ].join("\n"),
    );
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it("the real Prometheus scrapes llmlb with deploy/prometheus.yml and has data for every dashboard query", async () => {
    const deploy = readDeployConfig();
    expect(deploy.scrape_configs[0]).toMatchObject({
      job_name: "llmlb",
      metrics_path: "/metrics",
      authorization: { type: "Bearer" },
    });
    const created = await api(app, "POST", "/api/api-keys", {
      name: "prometheus",
      permissions: ["metrics.read"],
    });
    const config = adaptConfig(dir.path, new URL(app.url).host, created.body.key);
    prometheus = await startPrometheus(config, dir.path);
    const running = prometheus;
    await running.targetUp();

    // Rates need a counter that grows between two scrapes: traffic, a scrape that saw it, traffic again.
    await traffic();
    const first = await eventually(
      async () => ((await requestsSeen(running)) >= 6 ? true : undefined),
      "scrape 1",
    );
    expect(first).toBe(true);
    await traffic();
    await eventually(async () => ((await requestsSeen(running)) >= 9 ? true : undefined), "scrape 2", 30_000);

    const empty: string[] = [];
    for (const { panel, expr } of queries) {
      const result = await running.query(concrete(expr));
      const finite = result.some((sample) => Number.isFinite(Number(sample.value[1])));
      if (!finite) empty.push(`${panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
    // Data, not just series: the error series counts the failed requests per endpoint × model.
    const errors = await running.query('sum by (model) (llmlb_requests_total{outcome="error"})');
    expect(errors.map((sample) => [sample.metric.model, sample.value[1]])).toEqual([["mon-broken", "3"]]);
  }, 120_000);
});
