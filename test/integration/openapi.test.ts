// /api/openapi.json against the app itself: every mounted route is documented (and nothing else), the
// document is valid OpenAPI 3.1, its security is the access table's, and a real answer of every documented
// route is checked against it in openapi-responses.test.ts.
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiPath } from "../../src/openapi/document.js";
import { ROUTE_DOCS } from "../../src/openapi/route-docs.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked as plain JSON
type Json = any;

let app: TestApp;
let spec: Json;

beforeAll(async () => {
  app = await startTestApp();
  const response = await fetch(`${app.url}/api/openapi.json`);
  expect(response.status).toBe(200);
  spec = await response.json();
}, 60_000);

afterAll(async () => {
  await app?.close();
});

function operationOf(route: string): Json {
  const [method = "", path = ""] = route.split(" ");
  return spec.paths[openApiPath(path)]?.[method.toLowerCase()];
}

describe("the OpenAPI document", () => {
  it("documents every route the app mounts, and only those", () => {
    const mounted = app.composition.app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => `${route.method} ${route.path}`);
    const undocumented = mounted.filter((route) => !(route in ROUTE_DOCS));
    // A new route? Add one line for it to ROUTE_DOCS in src/openapi/route-docs.ts (README "OpenAPI").
    expect(undocumented).toEqual([]);
    expect(Object.keys(ROUTE_DOCS).filter((route) => !mounted.includes(route))).toEqual([]);
    for (const route of mounted) expect(operationOf(route), route).toBeDefined();
  });

  it("is valid OpenAPI 3.1 and served without credentials", async () => {
    expect(spec.openapi).toBe("3.1.0");
    const result = await new Validator().validate(spec);
    expect(result).toEqual({ valid: true });
  });

  it("states each route's access from the central access table", () => {
    expect(operationOf("GET /health").security).toEqual([]);
    expect(operationOf("GET /api/openapi.json").security).toEqual([]);
    expect(operationOf("POST /api/auth/login").security).toEqual([]);
    expect(operationOf("GET /api/api-keys")["x-llmlb-access"]).toEqual({
      sessions: "admin",
      permissions: [],
      inference: false,
    });
    expect(operationOf("GET /api/api-keys").security).toEqual([{ bearer: [] }, { sessionCookie: [] }]);
    expect(operationOf("PUT /api/endpoints/:id")["x-llmlb-access"].permissions).toEqual(["endpoints.manage"]);
    expect(operationOf("GET /api/endpoints/:id")["x-llmlb-access"].permissions).toEqual(["endpoints.read"]);
    expect(operationOf("GET /v1/models").description).toContain("openai.inference or openai.models.read");
    expect(operationOf("GET /metrics").security).toEqual([{ bearer: [] }, { apiKeyHeader: [] }]);
  });

  it("documents requests with the schemas the handlers validate with", () => {
    const body = operationOf("POST /api/endpoints").requestBody.content["application/json"].schema;
    // base_url is optional for the cloud types (their provider's API is the default).
    expect(body.required).toEqual(["name"]);
    expect(body.properties.endpoint_type.enum).toContain("anthropic");
    expect(body.properties.health_check_interval_secs).toMatchObject({ minimum: 5, maximum: 300 });
    const days = operationOf("GET /api/endpoints/:id/daily-stats").parameters;
    expect(days.map((p: Json) => [p.name, p.in])).toEqual([
      ["id", "path"],
      ["days", "query"],
    ]);
    const keyBody = operationOf("POST /api/api-keys").requestBody.content["application/json"].schema;
    expect(keyBody.properties.permissions.items.enum).toContain("metrics.read");
  });
});
