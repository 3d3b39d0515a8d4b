import { describe, expect, it } from "vitest";
import { nameFromBaseUrl, normaliseBaseUrl } from "../../src/registry/base-url.js";
import { type DetectionAnswers, decideType, type ProbeAnswer } from "../../src/registry/detect-type.js";
import { Directory } from "../../src/registry/directory.js";
import { type HealthState, nextHealth } from "../../src/registry/health-status.js";
import { diffModels, parseModelList } from "../../src/registry/model-list.js";
import type { EndpointRecord } from "../../src/registry/types.js";

const state = (status: HealthState["status"], errorCount = 0): HealthState => ({
  status,
  errorCount,
  latencyMs: 42,
  lastSeen: 1000,
  lastError: null,
});

describe("health transitions", () => {
  const fail = { ok: false as const, error: "GET /v1/models: HTTP 500" };

  it("success → online with error_count 0, new latency, last_seen now, last_error cleared", () => {
    for (const status of ["pending", "online", "offline", "error"] as const) {
      expect(nextHealth({ ...state(status, 3), lastError: "x" }, { ok: true, latencyMs: 7 }, 5000)).toEqual({
        status: "online",
        errorCount: 0,
        latencyMs: 7,
        lastSeen: 5000,
        lastError: null,
      });
    }
  });

  it("failure: pending → offline, online → error, error → offline on the 2nd consecutive failure", () => {
    expect(nextHealth(state("pending"), fail, 5000).status).toBe("offline");
    const first = nextHealth(state("online"), fail, 5000);
    expect(first).toEqual({ ...state("online"), status: "error", errorCount: 1, lastError: fail.error });
    const second = nextHealth(first, fail, 6000);
    expect(second.status).toBe("offline");
    expect(second.errorCount).toBe(2);
    expect(nextHealth(second, fail, 7000).status).toBe("offline");
  });

  it("keeps latency_ms and last_seen on failure", () => {
    const after = nextHealth(nextHealth(state("online"), fail, 5000), fail, 6000);
    expect(after.latencyMs).toBe(42);
    expect(after.lastSeen).toBe(1000);
  });
});

describe("base URL normalisation", () => {
  it.each([
    ["HTTP://GPU1.Local:11434/", "http://gpu1.local:11434"],
    ["http://10.0.0.1:8000/v1///", "http://10.0.0.1:8000/v1"],
    ["https://api.example.test:443", "https://api.example.test"],
    ["  http://127.0.0.1:80  ", "http://127.0.0.1"],
  ])("%s → %s", (input, expected) => {
    expect(normaliseBaseUrl(input)).toBe(expected);
  });

  it.each(["ftp://x", "not a url", "http://h/?q=1", "http://h/#f", "http://user:pw@h"])(
    "rejects %s",
    (input) => {
      expect(normaliseBaseUrl(input)).toBeNull();
    },
  );

  it("derives a name from host and port", () => {
    expect(nameFromBaseUrl("http://10.0.0.1:11434")).toBe("10.0.0.1:11434");
    expect(nameFromBaseUrl("https://gpu.example.test/ollama")).toBe("gpu.example.test:443/ollama");
  });
});

const miss: ProbeAnswer = { status: 404, headers: {}, json: null };
const down: ProbeAnswer = { error: "GET /x: upstream connection failed: ECONNREFUSED" };
const ok = (json: unknown, headers: Record<string, string> = {}): ProbeAnswer => ({
  status: 200,
  headers,
  json,
});
const answers = (partial: Partial<DetectionAnswers>): DetectionAnswers => ({
  system: miss,
  lmStudioModels: miss,
  tags: miss,
  models: miss,
  ...partial,
});
const models = (ownedBy: string) => ok({ data: [{ id: "m", owned_by: ownedBy }] });

describe("type detection decision", () => {
  it.each([
    ["xllm", answers({ system: ok({ xllm_version: "1" }), tags: ok({ models: [] }), models: models("x") })],
    ["lm_studio", answers({ lmStudioModels: ok({ data: [{ id: "m", publisher: "p", arch: "llama" }] }) })],
    ["lm_studio", answers({ models: ok({ data: [] }, { server: "LMStudio/0.3" }) })],
    ["ollama", answers({ tags: ok({ models: [] }), models: models("library") })],
    ["vllm", answers({ models: models("vllm") })],
    ["vllm", answers({ models: ok({ data: [] }, { server: "vllm" }) })],
    ["llamacpp", answers({ models: ok({ data: [] }, { server: "llama.cpp" }) })],
    ["openai_compatible", answers({ models: models("organization-owner") })],
  ])("→ %s", (type, given) => {
    expect(decideType(given)).toEqual({ kind: "detected", type });
  });

  it("follows the priority order when several signals are present", () => {
    const all = answers({
      system: ok({ xllm_version: "1" }),
      lmStudioModels: ok({ data: [{ publisher: "p", arch: "a" }] }),
      tags: ok({ models: [] }),
      models: ok({ data: [] }, { server: "vllm" }),
    });
    expect(decideType(all)).toEqual({ kind: "detected", type: "xllm" });
    expect(decideType({ ...all, system: miss })).toEqual({ kind: "detected", type: "lm_studio" });
    expect(decideType({ ...all, system: miss, lmStudioModels: miss })).toEqual({
      kind: "detected",
      type: "ollama",
    });
  });

  it("does not take an error answer's body as a signal", () => {
    const tags401: ProbeAnswer = { status: 401, headers: {}, json: { models: [] } };
    expect(decideType(answers({ tags: tags401, models: { status: 401, headers: {}, json: null } }))).toEqual({
      kind: "unrecognised",
      reason: "GET /v1/models answered HTTP 401 without a model list",
    });
  });

  it("reports an unreachable server when no probe got an HTTP answer", () => {
    expect(decideType({ system: down, lmStudioModels: down, tags: down, models: down })).toEqual({
      kind: "unreachable",
      reason: down.error,
    });
  });
});

describe("model listings", () => {
  it("reads OpenAI data[].id and Ollama models[].name, dropping duplicates and junk", () => {
    expect(parseModelList({ data: [{ id: "a", owned_by: "o" }, { id: "a" }, { nope: 1 }, null] })).toEqual([
      { id: "a", ownedBy: "o", metadata: '{"id":"a","owned_by":"o"}' },
    ]);
    expect(parseModelList({ models: [{ name: "llama3:latest" }] })?.map((m) => m.id)).toEqual([
      "llama3:latest",
    ]);
    expect(parseModelList({ error: "x" })).toBeNull();
  });

  it("diffs into added, removed and updated", () => {
    const before = [
      { id: "a", ownedBy: null, metadata: "1" },
      { id: "b", ownedBy: null, metadata: "1" },
    ];
    const after = [
      { id: "b", ownedBy: null, metadata: "2" },
      { id: "c", ownedBy: null, metadata: "1" },
    ];
    const diff = diffModels(before, after);
    expect(diff.added.map((m) => m.id)).toEqual(["c"]);
    expect(diff.removed).toEqual(["a"]);
    expect(diff.updated.map((m) => m.id)).toEqual(["b"]);
  });
});

describe("directory model matching", () => {
  const record = (id: string, status: EndpointRecord["status"]): EndpointRecord => ({
    id,
    name: id,
    baseUrl: `http://${id}`,
    endpointType: "ollama",
    status,
    latencyMs: null,
    lastSeen: null,
    lastError: null,
    errorCount: 0,
    healthCheckIntervalSecs: 30,
    inferenceTimeoutSecs: 120,
    maxConcurrency: null,
    notes: null,
    registeredAt: 0,
    updatedAt: 0,
    hasApiKey: false,
  });
  const model = (id: string) => ({ id, ownedBy: null, metadata: null, addedAt: 0, updatedAt: 0 });
  const directory = new Directory();
  for (const [id, status] of [
    ["a", "online"],
    ["b", "online"],
    ["c", "offline"],
  ] as const) {
    directory.put({ record: record(id, status), typeExplicit: false, apiKey: undefined });
  }
  directory.setModels("a", [model("llama3:latest")]);
  directory.setModels("b", [model("llama3")]);
  directory.setModels("c", [model("phi3")]);

  it("routes exact ids and Ollama's name ↔ name:latest to online endpoints with their own ids", () => {
    const routes = (name: string) => directory.routesFor(name).map((r) => [r.endpoint.id, r.upstreamModelId]);
    expect(routes("llama3")).toEqual([
      ["a", "llama3:latest"],
      ["b", "llama3"],
    ]);
    expect(routes("llama3:latest")).toEqual([
      ["a", "llama3:latest"],
      ["b", "llama3"],
    ]);
    expect(routes("phi3")).toEqual([]);
  });

  it("knows models of endpoints in any status, and lists only online ones", () => {
    expect(directory.isKnownModel("phi3")).toBe(true);
    expect(directory.isKnownModel("phi3:latest")).toBe(true);
    expect(directory.isKnownModel("mistral")).toBe(false);
    expect(directory.listModels().map((m) => [m.id, m.endpointIds])).toEqual([
      ["llama3", ["b"]],
      ["llama3:latest", ["a"]],
    ]);
  });

  it("drops an endpoint's models from the index when it is removed", () => {
    directory.remove("c");
    expect(directory.isKnownModel("phi3")).toBe(false);
  });
});
