// The wire carries one time representation: every instant in every JSON answer of every GET route under
// /api (found from the app's own route table, so a new route is checked without being listed here) is an
// ISO-8601 UTC string. /v1 keeps OpenAI's own format (`created` in Unix seconds).
import { afterEach, describe, expect, it } from "vitest";
import { api } from "../fixtures/admin-api.js";
import { runJob } from "../fixtures/completions.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;
let server: InferenceServer | undefined;

afterEach(async () => {
  await app?.close();
  await server?.stop();
  app = undefined;
  server = undefined;
});

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Field names that hold an instant (durations end in _ms / _secs and are not instants). */
const INSTANT = /(_at|^timestamp|^minute|^last_seen|_time)$/;

/** Every [path, value] of an instant-named field in a JSON value. */
function instants(value: unknown, path = "$"): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => instants(item, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(INSTANT.test(key) ? ([[`${path}.${key}`, inner]] as [string, unknown][]) : []),
    ...instants(inner, `${path}.${key}`),
  ]);
}

describe("one time representation on the wire", () => {
  it("every instant in every /api GET answer is an ISO-8601 UTC string (or null)", async () => {
    app = await startTestApp();
    server = await startInferenceServer("vllm", { models: ["m"] });
    const id = await registerEndpoint(app, "gpu-1", server.url);
    const client = await openaiClient(app);
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    await api(app, "POST", "/api/api-keys", { name: "k", permissions: ["metrics.read"] });
    await runJob(app, "statsFlush"); // writes the request history row

    const records = await api(app, "GET", "/api/dashboard/request-responses");
    const recordId = String((records.body as { records: { id: number }[] }).records[0]?.id);
    // Routes whose parameter is not an endpoint id, or whose default answer is not JSON.
    const special: Record<string, string> = {
      "/api/dashboard/request-responses/:id": `/api/dashboard/request-responses/${recordId}`,
      "/api/dashboard/request-responses/export": "/api/dashboard/request-responses/export?format=json",
      "/api/dashboard/clients/:ip/detail": "/api/dashboard/clients/127.0.0.1/detail",
    };
    const paths = app.composition.app.routes
      .filter((route) => route.method === "GET" && route.path.startsWith("/api/"))
      .map((route) => special[route.path] ?? route.path.replace(/:id(\{[^}]*\})?/, id))
      // Not answers with instants: the SSE stream, and the API's description (its schemas name these fields).
      .filter((path) => !["/api/events", "/api/openapi.json", "/api/docs"].includes(path))
      .filter((path) => !path.includes("*") && !path.includes(":"));
    expect(paths).toEqual(expect.arrayContaining(["/api/dashboard/overview", "/api/api-keys"]));

    const seen: string[] = [];
    for (const path of new Set(paths)) {
      const answer = await api(app, "GET", path);
      expect(answer.status, path).toBe(200);
      for (const [where, value] of instants(answer.body)) {
        seen.push(`${path} ${where}`);
        if (value !== null) expect(value, `${path} ${where}`).toMatch(ISO_UTC);
      }
    }
    // The walk did reach instants of each kind: endpoint, timeline, request record, key, session.
    for (const field of ["last_seen", "minute", "timestamp", "created_at", "expires_at", "generated_at"])
      expect(
        seen.some((entry) => entry.endsWith(`.${field}`)),
        field,
      ).toBe(true);
  });
});
