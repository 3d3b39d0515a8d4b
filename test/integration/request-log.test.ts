// The request log end to end: bodies stored (a stream reassembled) or not, one record's detail with its
// key and attempts, the CSV / JSON export against the list, token totals against the upstream's usage,
// and bad input on every route.
import { parse } from "csv-parse/sync";
import { afterEach, describe, expect, it } from "vitest";
import type { RequestDetailJson } from "../../src/dashboard/request-detail.js";
import type { RequestResponsesPage } from "../../src/dashboard/request-responses.js";
import type { DailyTokensJson, MonthlyTokensJson, TokenTotalsJson } from "../../src/dashboard/token-stats.js";
import { api } from "../fixtures/admin-api.js";
import { getJson, runJob } from "../fixtures/completions.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;
const servers: InferenceServer[] = [];
afterEach(async () => {
  await app?.close();
  for (const server of servers.splice(0)) await server.stop();
  app = undefined;
});

const TOOL = { name: "get_weather", arguments: '{"city":"Zürich","unit":"c"}' };

async function setUp(env: Record<string, string>) {
  app = await startTestApp({ env });
  const server = await startInferenceServer("vllm", {
    models: ["m", "=cmd", "tools"],
    scripts: { tools: { toolCall: TOOL } },
  });
  servers.push(server);
  await registerEndpoint(app, "gpu-1", server.url);
  return { app, client: await openaiClient(app) };
}

async function records(test: TestApp, query = ""): Promise<RequestResponsesPage["records"]> {
  const { body } = await getJson<RequestResponsesPage>(
    test,
    `/api/dashboard/request-responses?per_page=100${query}`,
  );
  return body.records;
}

describe("request log with LLMLB_LOG_BODIES=1", () => {
  it("stores a streamed answer reassembled (text, tool call, finish reason, usage) and shows it with key and attempts", async () => {
    const { app: test, client } = await setUp({ LLMLB_LOG_BODIES: "1" });
    const stream = await client.chat.completions.create({
      model: "tools",
      messages: [{ role: "user", content: "weather?" }],
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream) {
      // drain
    }
    await runJob(test, "statsFlush");
    const [listed] = await records(test);
    expect(listed?.stream).toBe(true);
    const { status, body } = await getJson<RequestDetailJson>(
      test,
      `/api/dashboard/request-responses/${listed?.id}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ...listed,
      api_key_name: expect.any(String),
      request_body_truncated: false,
    });
    expect(body.api_key_id).toMatch(/.+/);
    expect(body.attempts).toEqual([
      { endpoint_id: listed?.endpoint_id, endpoint_name: "gpu-1", status_code: 200, error: null },
    ]);
    expect(JSON.parse(body.request_body ?? "null")).toMatchObject({ model: "tools", stream: true });
    expect(body.response_body).not.toContain("data:");
    const answer = JSON.parse(body.response_body ?? "null");
    expect(answer.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "w0 w1 w2 w3 ",
        tool_calls: [{ id: "call_1", type: "function", function: TOOL }],
      },
      finish_reason: "tool_calls",
    });
    expect(answer.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4 });
    // Headers and keys are never stored.
    expect(JSON.stringify(body)).not.toContain(await test.inferenceKey());
  });

  it("cuts a body at LLMLB_LOG_BODY_MAX_BYTES and flags it", async () => {
    const { app: test, client } = await setUp({ LLMLB_LOG_BODIES: "1", LLMLB_LOG_BODY_MAX_BYTES: "2048" });
    await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "é".repeat(5000) }],
    });
    await runJob(test, "statsFlush");
    const [listed] = await records(test);
    const { body } = await getJson<RequestDetailJson>(test, `/api/dashboard/request-responses/${listed?.id}`);
    expect(body.request_body_truncated).toBe(true);
    expect(new TextEncoder().encode(body.request_body ?? "").length).toBeLessThanOrEqual(2048);
    expect(body.request_body).not.toContain("\uFFFD");
    expect(body.response_body_truncated).toBe(false);
  });

  it("lists every endpoint tried, in order, when the first fails over", async () => {
    const { app: test, client } = await setUp({ LLMLB_LOG_BODIES: "1" });
    const broken = await startInferenceServer("vllm", { models: ["m"] });
    servers.push(broken);
    await registerEndpoint(test, "broken", broken.url);
    broken.scripts.m = { failStatus: 500 };
    for (let i = 0; i < 4; i++)
      await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
    await runJob(test, "statsFlush");
    const details = await Promise.all(
      (await records(test)).map(
        async (r) =>
          (await getJson<RequestDetailJson>(test, `/api/dashboard/request-responses/${r.id}`)).body,
      ),
    );
    const failedOver = details.find((d) => d.attempts.length === 2);
    expect(failedOver?.attempts.map((a) => [a.endpoint_name, a.status_code])).toEqual([
      ["broken", 500],
      ["gpu-1", 200],
    ]);
    expect(failedOver?.attempts[0]?.error).toMatch(/.+/);
  });
});

describe("request log without bodies", () => {
  it("answers the detail with null bodies, and 400/404 for bad or missing ids", async () => {
    const { app: test, client } = await setUp({});
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    await runJob(test, "statsFlush");
    const [listed] = await records(test);
    const { body } = await getJson<RequestDetailJson>(test, `/api/dashboard/request-responses/${listed?.id}`);
    expect(body).toMatchObject({
      request_body: null,
      response_body: null,
      attempts: [{ endpoint_name: "gpu-1" }],
    });
    for (const bad of ["abc", "0", "-1", "1.5", "99999999999999999999"]) {
      const answer = await api(test, "GET", `/api/dashboard/request-responses/${bad}`);
      expect(answer.status).toBe(400);
      expect((answer.body as { error: { param: string } }).error.param).toBe("id");
    }
    const missing = await api(test, "GET", "/api/dashboard/request-responses/424242");
    expect(missing.status).toBe(404);
  });
});

describe("export", () => {
  it("CSV parses with a CSV library, matches the list's records and guards formula cells", async () => {
    const { app: test, client } = await setUp({});
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "a" }] });
    await client.chat.completions.create({ model: "=cmd", messages: [{ role: "user", content: "b" }] });
    await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "c" }],
      stream: true,
    });
    await runJob(test, "statsFlush");
    const response = await fetch(`${test.url}/api/dashboard/request-responses/export?format=csv`, {
      headers: await test.adminHeaders(),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/csv");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="llmlb-requests-.*\.csv"$/,
    );
    const text = await response.text();
    expect(text.split("\r\n")[0]).toMatch(/^id,request_id,timestamp,/);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const listed = await records(test);
    expect(rows.map((row) => Number(row.id))).toEqual(listed.map((r) => r.id));
    for (const [i, row] of rows.entries()) {
      const record = listed[i];
      expect(row.request_id).toBe(record?.request_id);
      expect(row.timestamp).toBe(record?.timestamp);
      expect(Number(row.output_tokens)).toBe(record?.output_tokens);
      expect(row.stream).toBe(String(record?.stream));
      expect(row.attempts).toBe("gpu-1");
    }
    expect(rows.map((row) => row.model)).toContain("'=cmd");
  });

  it("JSON is an array of records, with bodies only with include_bodies=1, filtered like the list", async () => {
    const { app: test, client } = await setUp({ LLMLB_LOG_BODIES: "1" });
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "a" }] });
    await client.chat.completions.create({ model: "=cmd", messages: [{ role: "user", content: "b" }] });
    await runJob(test, "statsFlush");
    const headers = await test.adminHeaders();
    const plain = (await (
      await fetch(`${test.url}/api/dashboard/request-responses/export?format=json`, { headers })
    ).json()) as Record<string, unknown>[];
    expect(plain).toHaveLength(2);
    expect(plain[0]).not.toHaveProperty("request_body");
    const filtered = await fetch(
      `${test.url}/api/dashboard/request-responses/export?format=json&include_bodies=1&model=m`,
      { headers },
    );
    const withBodies = (await filtered.json()) as RequestDetailJson[];
    expect(withBodies.map((r) => r.model)).toEqual(["m"]);
    expect(JSON.parse(withBodies[0]?.request_body ?? "null").messages[0].content).toBe("a");
    const empty = await fetch(
      `${test.url}/api/dashboard/request-responses/export?format=json&model=nothing`,
      { headers },
    );
    expect(await empty.json()).toEqual([]);
  });

  it("rejects an unknown format, an inverted or absurd time range, naming the parameter", async () => {
    const { app: test } = await setUp({});
    const cases: [string, string][] = [
      ["format=xlsx", "format"],
      ["include_bodies=yes", "include_bodies"],
      ["start_time=2026-11-30T10:00:00Z&end_time=2026-11-29T10:00:00Z", "end_time"],
      ["start_time=999999999999999", "start_time"],
      ["end_time=not-a-time", "end_time"],
    ];
    for (const [query, param] of cases) {
      const answer = await api(test, "GET", `/api/dashboard/request-responses/export?${query}`);
      expect([query, answer.status]).toEqual([query, 400]);
      expect((answer.body as { error: { param: string } }).error.param).toBe(param);
    }
    const list = await api(
      test,
      "GET",
      "/api/dashboard/request-responses?start_time=2026-11-30T10:00:00Z&end_time=2026-11-29T10:00:00Z",
    );
    expect(list.status).toBe(400);
  });
});

describe("token statistics", () => {
  it("totals, daily and monthly equal the sum of the upstream's usage; group_by adds the group", async () => {
    const { app: test, client } = await setUp({});
    const usages: { prompt: number; completion: number }[] = [];
    for (const max of [3, 5]) {
      const chat = await client.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: max,
      });
      usages.push({ prompt: chat.usage?.prompt_tokens ?? 0, completion: chat.usage?.completion_tokens ?? 0 });
    }
    const stream = await client.chat.completions.create({
      model: "tools",
      messages: [{ role: "user", content: "x" }],
      max_tokens: 7,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      if (chunk.usage)
        usages.push({ prompt: chunk.usage.prompt_tokens, completion: chunk.usage.completion_tokens });
    }
    await runJob(test, "statsFlush");
    const input = usages.reduce((sum, u) => sum + u.prompt, 0);
    const output = usages.reduce((sum, u) => sum + u.completion, 0);
    const totals = (await getJson<TokenTotalsJson>(test, "/api/dashboard/stats/tokens")).body;
    expect(totals).toEqual({ total_input_tokens: input, total_output_tokens: output, total_requests: 3 });

    const daily = (await getJson<DailyTokensJson[]>(test, "/api/dashboard/stats/tokens/daily?days=7")).body;
    expect(daily).toHaveLength(7);
    const today = new Date().toISOString().slice(0, 10);
    expect(daily[6]).toEqual({ date: today, input_tokens: input, output_tokens: output, requests: 3 });
    const monthly = (await getJson<MonthlyTokensJson[]>(test, "/api/dashboard/stats/tokens/monthly?months=3"))
      .body;
    expect(monthly.map((m) => m.month)).toHaveLength(3);
    expect(monthly[2]).toMatchObject({ month: today.slice(0, 7), output_tokens: output });

    const byModel = (
      await getJson<DailyTokensJson[]>(test, "/api/dashboard/stats/tokens/daily?days=1&group_by=model")
    ).body;
    expect(byModel.map((r) => [r.group_id, r.requests]).sort()).toEqual([
      ["m", 2],
      ["tools", 1],
    ]);
    const byKey = (
      await getJson<DailyTokensJson[]>(test, "/api/dashboard/stats/tokens/monthly?group_by=api_key")
    ).body;
    expect(byKey).toHaveLength(1);
    expect(byKey[0]?.group_name).toMatch(/.+/);
    const byEndpoint = (
      await getJson<DailyTokensJson[]>(test, "/api/dashboard/stats/tokens/daily?group_by=endpoint")
    ).body;
    expect(byEndpoint[0]?.group_name).toBe("gpu-1");

    for (const [path, param] of [
      ["/api/dashboard/stats/tokens/daily?days=100000", "days"],
      ["/api/dashboard/stats/tokens/daily?days=0", "days"],
      ["/api/dashboard/stats/tokens/monthly?months=x", "months"],
      ["/api/dashboard/stats/tokens/daily?group_by=user", "group_by"],
    ] as const) {
      const answer = await api(test, "GET", path);
      expect(answer.status).toBe(400);
      expect((answer.body as { error: { param: string } }).error.param).toBe(param);
    }
  });
});
