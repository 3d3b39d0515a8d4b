import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestHistory } from "../../src/db/schema.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await seed(app);
});
afterAll(() => app.close());

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

/** 30 rows, one per minute from T0: every third an error on endpoint e2, the rest successes on e1. */
async function seed(target: TestApp) {
  const rows = Array.from({ length: 30 }, (_, i) => {
    const failed = i % 3 === 2;
    return {
      requestId: `req-${i}`,
      createdAt: T0 + i * 60_000,
      endpointId: failed ? "e2" : "e1",
      endpointName: failed ? "gpu-2" : "gpu-1",
      model: i % 2 === 0 ? "llama" : "qwen",
      apiKind: "chat_completions",
      stream: i % 2 === 0,
      status: failed ? "error" : "success",
      statusCode: failed ? 502 : 200,
      error: failed ? "upstream closed the connection" : null,
      durationMs: 1000 + i,
      ttftMs: failed ? null : 100 + i,
      inputTokens: 10,
      outputTokens: failed ? 0 : 50,
      tokensEstimated: i === 4,
      clientIp: "127.0.0.1",
    };
  });
  await target.composition.deps.database.db.insert(requestHistory).values(rows);
}

async function get(target: TestApp, query: string) {
  const response = await fetch(`${target.url}/api/dashboard/request-responses${query}`, {
    headers: await target.adminHeaders(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("GET /api/dashboard/request-responses", () => {
  it("pages the history newest first with every record field", async () => {
    const { status, body } = await get(app, "?page=2&per_page=10");
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_count: 30, page: 2, per_page: 10 });
    const records = body.records as Record<string, unknown>[];
    expect(records.map((record) => record.request_id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `req-${19 - i}`),
    );
    expect(records.find((record) => record.request_id === "req-17")).toEqual({
      id: expect.any(Number),
      request_id: "req-17",
      timestamp: new Date(T0 + 17 * 60_000).toISOString(),
      endpoint_id: "e2",
      endpoint_name: "gpu-2",
      model: "qwen",
      api_kind: "chat_completions",
      stream: false,
      status: "error",
      status_code: 502,
      error: "upstream closed the connection",
      duration_ms: 1017,
      ttft_ms: null,
      input_tokens: 10,
      output_tokens: 0,
      total_tokens: 10,
      tokens_estimated: false,
      client_ip: "127.0.0.1",
      // Rows written before the source column existed, or by /v1 clients.
      source: "api",
    });
  });

  it("filters by model, endpoint, status and an inclusive time range", async () => {
    const errors = await get(app, "?status=error&endpoint_id=e2");
    expect(errors.body.total_count).toBe(10);
    const llama = await get(app, "?model=llama&status=success&per_page=100");
    const ids = (llama.body.records as { request_id: string }[]).map((record) => record.request_id);
    expect(ids).toEqual([
      "req-28",
      "req-24",
      "req-22",
      "req-18",
      "req-16",
      "req-12",
      "req-10",
      "req-6",
      "req-4",
      "req-0",
    ]);
    const start = new Date(T0 + 5 * 60_000).toISOString();
    const ranged = await get(app, `?start_time=${start}&end_time=${T0 + 9 * 60_000}`);
    expect(ranged.body.total_count).toBe(5);
    const estimated = (await get(app, "?model=llama&per_page=100")).body.records as Record<string, unknown>[];
    expect(estimated.find((record) => record.request_id === "req-4")?.tokens_estimated).toBe(true);
  });

  it.each([
    ["per_page=20", "per_page"],
    ["page=0", "page"],
    ["page=abc", "page"],
    ["status=ok", "status"],
    ["start_time=yesterday", "start_time"],
    ["end_time=2026-13-45T00:00:00Z", "end_time"],
    ["model=", "model"],
  ])("answers 400 naming the parameter for %s", async (query, param) => {
    const { status, body } = await get(app, `?${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: "invalid_request", param } });
    expect((body.error as { message: string }).message).toContain(param);
  });
});
