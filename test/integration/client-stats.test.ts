// Client views and LLMLB_TRUSTED_PROXIES end to end: the address a trusted proxy names (and only then)
// reaches history, the client ranking / timeline / heatmap / detail and the login throttle; every query
// behind the request log's views walks an index (EXPLAIN QUERY PLAN).

import type { InArgs } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import type {
  ClientDetailJson,
  ClientHeatmapJson,
  ClientsJson,
  ClientTimelineJson,
} from "../../src/dashboard/client-stats.js";
import type { RequestResponsesPage } from "../../src/dashboard/request-responses.js";
import { exportPageQuery } from "../../src/db/request-responses.js";
import { api } from "../fixtures/admin-api.js";
import { getJson, runJob } from "../fixtures/completions.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;
let server: InferenceServer | undefined;
afterEach(async () => {
  await app?.close();
  await server?.stop();
  app = undefined;
});

async function chat(test: TestApp, headers: Record<string, string>, model = "m") {
  const response = await fetch(`${test.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await test.inferenceKey()}`,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function setUp(env: Record<string, string>) {
  app = await startTestApp({ env });
  server = await startInferenceServer("vllm", { models: ["m", "n"] });
  await registerEndpoint(app, "gpu-1", server.url);
  return app;
}

describe("client statistics behind trusted proxies", () => {
  it("takes X-Forwarded-For / X-Real-IP only from a trusted peer and ranks, charts and details the clients", async () => {
    const test = await setUp({ LLMLB_TRUSTED_PROXIES: "127.0.0.1/32,::1" });
    for (let i = 0; i < 3; i++) await chat(test, { "x-forwarded-for": "6.6.6.6, 198.51.100.7" });
    await chat(test, { "x-real-ip": "2001:db8::42" }, "n");
    await chat(test, {});
    await runJob(test, "statsFlush");

    const ranking = (await getJson<ClientsJson>(test, "/api/dashboard/clients?group_by=ip&days=7")).body;
    expect(ranking.clients.map((c) => "client_ip" in c && [c.client_ip, c.requests])).toEqual([
      ["198.51.100.7", 3],
      // Ties by address.
      ["127.0.0.1", 1],
      ["2001:db8::42", 1],
    ]);
    const byKey = (await getJson<ClientsJson>(test, "/api/dashboard/clients?group_by=api_key")).body;
    expect(byKey.clients).toHaveLength(1);
    expect(byKey.clients[0]).toMatchObject({ requests: 5, api_key_name: expect.any(String) });

    const timeline = (await getJson<ClientTimelineJson>(test, "/api/dashboard/clients/timeline?days=1")).body;
    expect(timeline.hours).toHaveLength(24);
    expect(timeline.clients[0]?.client_ip).toBe("198.51.100.7");
    expect(timeline.clients[0]?.requests.at(-1)).toBe(3);

    const heatmap = (await getJson<ClientHeatmapJson>(test, "/api/dashboard/clients/heatmap?days=7")).body;
    const now = new Date();
    expect(heatmap.cells).toHaveLength(168);
    expect(
      heatmap.cells.find((c) => c.weekday === now.getUTCDay() && c.hour === now.getUTCHours())?.requests,
    ).toBe(5);

    const detail = await getJson<ClientDetailJson>(test, "/api/dashboard/clients/2001:0db8:0:0::42/detail");
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      client_ip: "2001:db8::42",
      requests: 1,
      models: [{ model: "n", requests: 1 }],
    });
    expect(detail.body.recent_requests[0]?.client_ip).toBe("2001:db8::42");

    const history = (await getJson<RequestResponsesPage>(test, "/api/dashboard/request-responses")).body;
    expect(history.records.filter((r) => r.client_ip === "198.51.100.7")).toHaveLength(3);

    expect((await api(test, "GET", "/api/dashboard/clients/not-an-ip/detail")).status).toBe(400);
    expect((await api(test, "GET", "/api/dashboard/clients/203.0.113.1/detail")).status).toBe(404);
    const huge = await api(test, "GET", "/api/dashboard/clients?days=100000");
    expect([huge.status, (huge.body as { error: { param: string } }).error.param]).toEqual([400, "days"]);
  });

  it("ignores forwarding headers from an untrusted peer (the default)", async () => {
    const test = await setUp({});
    await chat(test, { "x-forwarded-for": "198.51.100.7", "x-real-ip": "198.51.100.8" });
    await runJob(test, "statsFlush");
    const ranking = (await getJson<ClientsJson>(test, "/api/dashboard/clients")).body;
    expect(ranking.clients.map((c) => "client_ip" in c && c.client_ip)).toEqual(["127.0.0.1"]);
  });

  it("throttles logins by the forwarded address: another client behind the same proxy is not locked out", async () => {
    const test = await setUp({ LLMLB_TRUSTED_PROXIES: "127.0.0.1" });
    const login = (ip: string, password: string) =>
      fetch(`${test.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": ip },
        body: JSON.stringify({ username: "admin", password }),
      }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await login("198.51.100.66", "wrong-password"));
    expect(statuses.at(-1)).toBe(429);
    expect(await login("198.51.100.77", "test-admin-password")).toBe(200);
  });
});

describe("query plans", () => {
  it("every request-log and usage query walks an index, never a full scan of request_history", async () => {
    const test = await setUp({});
    const client = test.composition.deps.database.client;
    const plans: Record<string, string> = {
      "list page":
        "SELECT * FROM request_history WHERE model = 'm' AND created_at >= 0 ORDER BY created_at DESC, id DESC LIMIT 25",
      "list unfiltered": "SELECT id FROM request_history ORDER BY created_at DESC, id DESC LIMIT 25",
      detail: "SELECT * FROM request_history WHERE id = 7",
      "export page":
        "SELECT * FROM request_history WHERE (created_at < 5 OR (created_at = 5 AND id < 9)) ORDER BY created_at DESC, id DESC LIMIT 500",
      "daily tokens":
        "SELECT date, sum(input_tokens) FROM token_daily_stats WHERE date >= '2026-01-01' GROUP BY date",
      "client ranking":
        "SELECT client_ip, sum(requests) FROM client_hourly_stats WHERE hour >= 0 GROUP BY client_ip",
      "client detail":
        "SELECT model, count(*) FROM request_history WHERE client_ip = '1.2.3.4' AND created_at >= 0 GROUP BY model",
    };
    for (const [name, sql] of Object.entries(plans)) {
      const result = await client.execute(`EXPLAIN QUERY PLAN ${sql}`);
      const plan = result.rows.map((row) => String(row.detail)).join(" | ");
      expect([name, plan]).toEqual([
        name,
        expect.stringMatching(/USING (INDEX|INTEGER PRIMARY KEY|PRIMARY KEY|COVERING INDEX)/),
      ]);
      expect([name, plan]).not.toEqual([name, expect.stringMatching(/SCAN request_history(?! USING)/)]);
    }
    // The export's own statement (as the query builder writes it): walks the created_at index in order,
    // never sorts the table.
    const db = test.composition.deps.database.db;
    for (const withBodies of [false, true]) {
      const page = exportPageQuery(db, { model: "m" }, { createdAt: 5, id: 9 }, 500, withBodies);
      const statement = (page as unknown as { toSQL(): { sql: string; params: InArgs } }).toSQL();
      const result = await client.execute({
        sql: `EXPLAIN QUERY PLAN ${statement.sql}`,
        args: statement.params,
      });
      const plan = result.rows.map((row) => String(row.detail)).join(" | ");
      expect(plan).toMatch(/request_history USING INDEX/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });
});
