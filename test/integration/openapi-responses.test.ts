// A real answer of every route in /api/openapi.json, against a real app and a fake vLLM upstream, validated
// against the schema the document gives for that status (ajv, JSON Schema 2020-12): successes and errors.
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiPath } from "../../src/openapi/document.js";
import { ROUTE_DOCS } from "../../src/openapi/route-docs.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from "../fixtures/test-app.js";

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document and answers are walked as plain JSON
type Json = any;
type Auth = "admin" | "key" | "none";

interface Call {
  route: string;
  path: () => string;
  auth: Auth;
  /** A function when the body depends on an earlier answer (an invitation code). */
  body?: unknown;
  status: number;
}

let app: TestApp;
let upstream: InferenceServer;
let spec: Json;
const state = {
  endpointId: "",
  keyId: "",
  key: "",
  session: "",
  ownKeyId: "",
  userId: "",
  invitationId: "",
  code: "",
  runId: "",
};

beforeAll(async () => {
  app = await startTestApp();
  upstream = await startInferenceServer("vllm", { models: ["doc-model"] });
  spec = await (await fetch(`${app.url}/api/openapi.json`)).json();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await upstream?.stop();
});

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));

const chat = { model: "doc-model", messages: [{ role: "user", content: "hi" }] };
const e = () => `/api/endpoints/${state.endpointId}`;
const fixed = (path: string) => () => path;
const call = (route: string, path: () => string, auth: Auth, status = 200, body?: unknown): Call => ({
  route,
  path,
  auth,
  status,
  body,
});

/** In order: later calls use what earlier ones created; removals come last. */
const CALLS: Call[] = [
  call("GET /health", fixed("/health"), "none"),
  call("GET /ready", fixed("/ready"), "none"),
  call("GET /", fixed("/"), "none", 302),
  call("GET /dashboard", fixed("/dashboard"), "none", 302),
  call("GET /api/openapi.json", fixed("/api/openapi.json"), "none"),
  call("GET /api/docs", fixed("/api/docs"), "none"),
  call("POST /api/auth/login", fixed("/api/auth/login"), "none", 200, {
    username: "admin",
    password: TEST_ADMIN_PASSWORD,
  }),
  call("GET /api/auth/me", fixed("/api/auth/me"), "admin"),
  call("POST /api/endpoints", fixed("/api/endpoints"), "admin", 201, { name: "doc-gpu", base_url: "" }),
  call("GET /api/endpoints", fixed("/api/endpoints?status=online"), "admin"),
  call("GET /api/endpoints/:id", e, "admin"),
  call("PUT /api/endpoints/:id", e, "admin", 200, { notes: "documented" }),
  call("GET /api/endpoints/:id/models", () => `${e()}/models`, "admin"),
  call("POST /api/endpoints/:id/test", () => `${e()}/test`, "admin"),
  call("POST /api/endpoints/:id/sync", () => `${e()}/sync`, "admin"),
  call("POST /api/api-keys", fixed("/api/api-keys"), "admin", 201, {
    name: "docs",
    permissions: ["openai.inference", "endpoints.read", "metrics.read"],
  }),
  call("GET /api/api-keys", fixed("/api/api-keys"), "admin"),
  call("PUT /api/api-keys/:id", () => `/api/api-keys/${state.keyId}`, "admin", 200, { rate_limit_rpm: 600 }),
  call("POST /api/me/api-keys", fixed("/api/me/api-keys"), "admin", 201, {
    name: "own",
    permissions: ["openai.inference"],
    token_limit_daily: 1000,
  }),
  call("GET /api/me/api-keys", fixed("/api/me/api-keys"), "admin"),
  call("PUT /api/me/api-keys/:id", () => `/api/me/api-keys/${state.ownKeyId}`, "admin", 200, {
    name: "own 2",
  }),
  call("DELETE /api/me/api-keys/:id", () => `/api/me/api-keys/${state.ownKeyId}`, "admin", 204),
  call("POST /api/users", fixed("/api/users"), "admin", 201, {
    username: "doc-user",
    password: "doc-user-pass-1",
  }),
  call("GET /api/users", fixed("/api/users"), "admin"),
  call("PUT /api/users/:id", () => `/api/users/${state.userId}`, "admin", 200, { role: "admin" }),
  call("DELETE /api/users/:id", () => `/api/users/${state.userId}`, "admin", 204),
  call("POST /api/invitations", fixed("/api/invitations"), "admin", 201, { role: "viewer" }),
  call("POST /api/auth/register", fixed("/api/auth/register"), "none", 201, () => ({
    invitation_code: state.code,
    username: "doc-invited",
    password: "doc-invited-pass-1",
  })),
  call("POST /api/auth/register", fixed("/api/auth/register"), "none", 400, () => ({
    invitation_code: state.code,
    username: "doc-invited-2",
    password: "doc-invited-pass-2",
  })),
  call("POST /api/invitations", fixed("/api/invitations"), "admin", 201, { expires_in_hours: 1 }),
  call("GET /api/invitations", fixed("/api/invitations"), "admin"),
  call("DELETE /api/invitations/:id", () => `/api/invitations/${state.invitationId}`, "admin", 204),
  call("GET /api/dashboard/audit-logs", fixed("/api/dashboard/audit-logs?action=user&per_page=20"), "admin"),
  call("GET /api/dashboard/audit-logs/stats", fixed("/api/dashboard/audit-logs/stats"), "admin"),
  call("GET /api/dashboard/audit-logs/verify", fixed("/api/dashboard/audit-logs/verify"), "admin"),
  call("POST /v1/chat/completions", fixed("/v1/chat/completions"), "key", 200, chat),
  call("POST /v1/completions", fixed("/v1/completions"), "key", 200, { model: "doc-model", prompt: "hi" }),
  call("POST /v1/embeddings", fixed("/v1/embeddings"), "key", 200, { model: "doc-model", input: "hi" }),
  call("POST /v1/responses", fixed("/v1/responses"), "key", 200, { model: "doc-model", input: "hi" }),
  call("POST /v1/messages", fixed("/v1/messages"), "key", 200, {
    model: "doc-model",
    max_tokens: 16,
    messages: [{ role: "user", content: "hi" }],
  }),
  call("POST /v1/messages/count_tokens", fixed("/v1/messages/count_tokens"), "key", 200, {
    model: "doc-model",
    messages: [{ role: "user", content: "hi" }],
  }),
  call("POST /v1/messages", fixed("/v1/messages"), "key", 400, { messages: [] }),
  call("GET /v1/models", fixed("/v1/models"), "key"),
  call("GET /v1/models/:id{.+}", fixed("/v1/models/doc-model"), "key"),
  call("GET /api/endpoints/:id/model-tps", () => `${e()}/model-tps`, "key"),
  call("GET /api/endpoints/:id/daily-stats", () => `${e()}/daily-stats?days=3`, "key"),
  call("GET /api/endpoints/:id/model-stats", () => `${e()}/model-stats`, "key"),
  call("GET /api/endpoints/:id/today-stats", () => `${e()}/today-stats`, "key"),
  call("GET /api/dashboard/overview", fixed("/api/dashboard/overview"), "admin"),
  call("GET /api/dashboard/stats", fixed("/api/dashboard/stats"), "admin"),
  call("GET /api/dashboard/endpoints", fixed("/api/dashboard/endpoints"), "admin"),
  call("GET /api/dashboard/request-history", fixed("/api/dashboard/request-history"), "admin"),
  call("GET /api/dashboard/model-stats", fixed("/api/dashboard/model-stats"), "admin"),
  call(
    "GET /api/dashboard/request-responses",
    fixed("/api/dashboard/request-responses?per_page=10"),
    "admin",
  ),
  call("GET /api/dashboard/fleet", fixed("/api/dashboard/fleet"), "admin"),
  call("GET /api/events", fixed("/api/events?logs=1"), "admin"),
  call("POST /api/endpoints/:id/chat/completions", () => `${e()}/chat/completions`, "admin", 200, chat),
  call("POST /api/benchmarks/tps", fixed("/api/benchmarks/tps"), "admin", 202, {
    endpoint_ids: [],
    model: "doc-model",
    requests: 50,
    concurrency: 1,
    max_tokens: 200,
  }),
  call("GET /api/benchmarks/tps/:run_id", () => `/api/benchmarks/tps/${state.runId}`, "admin"),
  call("DELETE /api/benchmarks/tps/:run_id", () => `/api/benchmarks/tps/${state.runId}`, "admin"),
  call("GET /api/benchmarks/tps", fixed("/api/benchmarks/tps"), "admin"),
  call("GET /api/dashboard/logs/lb", fixed("/api/dashboard/logs/lb?level=info&limit=50"), "admin"),
  call("GET /api/benchmarks/tps/:run_id", fixed("/api/benchmarks/tps/no-such-run"), "admin", 404),
  call(
    "GET /api/dashboard/request-responses/export",
    fixed("/api/dashboard/request-responses/export?format=csv"),
    "admin",
  ),
  call(
    "GET /api/dashboard/request-responses/:id",
    fixed("/api/dashboard/request-responses/987654"),
    "admin",
    404,
  ),
  call("GET /api/dashboard/stats/tokens", fixed("/api/dashboard/stats/tokens"), "admin"),
  call("GET /api/dashboard/stats/tokens/daily", fixed("/api/dashboard/stats/tokens/daily?days=3"), "admin"),
  call(
    "GET /api/dashboard/stats/tokens/monthly",
    fixed("/api/dashboard/stats/tokens/monthly?months=2&group_by=model"),
    "admin",
  ),
  call("GET /api/dashboard/clients", fixed("/api/dashboard/clients?group_by=api_key"), "admin"),
  call("GET /api/dashboard/clients/timeline", fixed("/api/dashboard/clients/timeline?days=1"), "admin"),
  call("GET /api/dashboard/clients/heatmap", fixed("/api/dashboard/clients/heatmap"), "admin"),
  call(
    "GET /api/dashboard/clients/:ip/detail",
    fixed("/api/dashboard/clients/203.0.113.9/detail"),
    "admin",
    404,
  ),
  call("GET /api/events", fixed("/api/events"), "admin"),
  call("GET /metrics", fixed("/metrics"), "key"),
  // Errors: the documented error schema, whatever the route.
  call("GET /api/endpoints/:id", fixed("/api/endpoints/no-such-id"), "admin", 404),
  call("POST /api/endpoints", fixed("/api/endpoints"), "admin", 400, { name: "" }),
  call("GET /api/api-keys", fixed("/api/api-keys"), "none", 401),
  call("GET /api/api-keys", fixed("/api/api-keys"), "key", 403),
  call("GET /v1/models/:id{.+}", fixed("/v1/models/org/unknown"), "key", 404),
  // Audio and images: the documented errors (a multipart route refuses a JSON body before any upstream).
  call("POST /v1/audio/transcriptions", fixed("/v1/audio/transcriptions"), "key", 400, {
    model: "doc-model",
  }),
  call("POST /v1/audio/translations", fixed("/v1/audio/translations"), "key", 400, { model: "doc-model" }),
  call("POST /v1/images/edits", fixed("/v1/images/edits"), "key", 400, { model: "doc-model" }),
  call("POST /v1/images/variations", fixed("/v1/images/variations"), "key", 400, { model: "doc-model" }),
  call("POST /v1/audio/speech", fixed("/v1/audio/speech"), "key", 404, { model: "no-tts", input: "hi" }),
  call("POST /v1/images/generations", fixed("/v1/images/generations"), "key", 404, { model: "no-image" }),
  call("POST /api/auth/change-password", fixed("/api/auth/change-password"), "admin", 204, {
    current_password: TEST_ADMIN_PASSWORD,
    new_password: "a-new-long-password",
  }),
  call("PATCH /api/api-keys/:id", () => `/api/api-keys/${state.keyId}`, "admin", 200, { priority: "batch" }),
  call("DELETE /api/api-keys/:id", () => `/api/api-keys/${state.keyId}`, "admin", 204),
  call("DELETE /api/endpoints/:id", e, "admin", 204),
  call("POST /api/auth/logout", fixed("/api/auth/logout"), "admin", 204),
];

async function headersFor(auth: Auth): Promise<Record<string, string>> {
  if (auth === "admin")
    return { authorization: `Bearer ${state.session || (await app.adminHeaders()).authorization?.slice(7)}` };
  if (auth === "key") return { authorization: `Bearer ${state.key}` };
  return {};
}

/** The documented response for a status: the exact code, else `default`. */
function documented(route: string, status: number): Json {
  const [method = "", path = ""] = route.split(" ");
  const responses = spec.paths[openApiPath(path)][method.toLowerCase()].responses;
  return responses[String(status)] ?? responses.default;
}

async function perform(step: Call): Promise<Response> {
  if (typeof step.body === "function") return perform({ ...step, body: step.body() });
  const body =
    step.route === "POST /api/endpoints" && step.status === 201
      ? { ...(step.body as object), base_url: upstream.url }
      : step.route === "POST /api/benchmarks/tps"
        ? { ...(step.body as object), endpoint_ids: [state.endpointId] }
        : step.body;
  const headers = await headersFor(step.auth);
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${app.url}${step.path()}`, {
    method: step.route.split(" ")[0],
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
}

function remember(step: Call, body: Json): void {
  if (step.route === "POST /api/auth/login") state.session = body.token;
  if (step.route === "POST /api/endpoints" && step.status === 201) state.endpointId = body.id;
  if (step.route === "POST /api/benchmarks/tps") state.runId = body.run_id;
  if (step.route === "POST /api/me/api-keys") state.ownKeyId = body.id;
  if (step.route === "POST /api/users") state.userId = body.id;
  if (step.route === "POST /api/invitations") {
    state.invitationId = body.id;
    state.code = body.code;
  }
  if (step.route === "POST /api/api-keys") {
    state.keyId = body.id;
    state.key = body.key;
  }
}

async function check(step: Call): Promise<string[]> {
  const response = await perform(step);
  const label = `${step.route} (${step.path()})`;
  if (response.status !== step.status)
    return [`${label}: status ${response.status}, expected ${step.status}: ${await response.text()}`];
  const doc = documented(step.route, step.status);
  const type = response.headers.get("content-type") ?? "";
  const media = Object.keys(doc.content ?? {});
  if (media.length === 0) {
    const text = await response.text();
    if (text !== "") return [`${label}: documented without a body, sent ${text.slice(0, 80)}`];
    if (step.status === 302 && !response.headers.get("location"))
      return [`${label}: redirect without location`];
    return [];
  }
  if (type.startsWith("text/event-stream")) {
    await response.body?.cancel();
    return media.includes("text/event-stream") ? [] : [`${label}: SSE not documented`];
  }
  const matching = media.find((m) => type.startsWith(m.split(";")[0] as string));
  if (!matching) return [`${label}: content-type ${type} is not one of ${media.join(", ")}`];
  if (matching !== "application/json" || doc.content[matching].schema.type === "string") {
    await response.text();
    return [];
  }
  const body = await response.json();
  remember(step, body);
  const validate = ajv.compile(doc.content[matching].schema);
  return validate(body)
    ? []
    : [`${label}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`];
}

describe("real responses against the OpenAPI document", () => {
  it("exercises every documented route", () => {
    expect(new Set(CALLS.map((step) => step.route))).toEqual(new Set(Object.keys(ROUTE_DOCS)));
  });

  it("every answer matches the schema documented for its status", async () => {
    const problems: string[] = [];
    for (const step of CALLS) problems.push(...(await check(step)));
    expect(problems).toEqual([]);
    // The sequence really created, measured and removed things (the schemas were checked on data).
    expect(state.endpointId).not.toBe("");
    expect(state.key).toMatch(/^sk_/);
  }, 60_000);
});
