// Bounded bad-input suite against the real Node bundle: 400+ generated malformed requests across /v1/*,
// /api/* and the login (bad JSON, wrong types, deep nesting, huge strings, control characters, wrong content
// types, odd methods, oversize bodies, unparseable HTTP) → no 5xx, every error OpenAI-shaped (Anthropic-shaped
// on /v1/messages), the process alive, RSS growth under 50 MiB, and every log line one JSON object.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { type LlmlbProcess, startLlmlb } from "../fixtures/llmlb-process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  label: string;
}

const MIB = 1024 * 1024;

/** Deterministic pseudo-random numbers (mulberry32), so a failing case can be reproduced. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

/** Malformed bodies; each is tried on every JSON route. */
const BAD_BODIES: [label: string, body: string | Buffer][] = [
  ["empty", ""],
  ["truncated", '{"model":'],
  ["not json", "model=m&x=1"],
  ["bare null", "null"],
  ["array", "[]"],
  ["string", '"text"'],
  ["number", "42"],
  ["model number", '{"model":123,"messages":[]}'],
  ["messages string", '{"model":"m","messages":"hi"}'],
  ["stream string", '{"model":"m","stream":"yes"}'],
  ["negative max_tokens", '{"model":"m","max_tokens":-5}'],
  ["nesting 100", `{"model":"m","messages":${nested(100)}}`],
  ["nesting 50k", `{"model":"m","messages":${nested(50_000)}}`],
  ["nesting 50k streamed", `{"model":"m","stream":true,"messages":${nested(50_000)}}`],
  // "plain" reports no usage, so its prompt would have to be estimated from this structure.
  ["nesting 50k, no usage", `{"model":"plain","messages":${nested(50_000)}}`],
  ["huge model", JSON.stringify({ model: "x".repeat(MIB), messages: [] })],
  ["control chars", JSON.stringify({ model: "m\u0000\u0001\u001b[31m", name: "\u0000", password: "\u0007" })],
  ["invalid utf-8", Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d])],
  ["wrong field types", '{"name":[],"base_url":{},"username":1,"password":false,"permissions":"all"}'],
  ["huge string field", JSON.stringify({ name: "n".repeat(200 * 1024), username: "u".repeat(200 * 1024) })],
];

const CONTENT_TYPES = [
  "application/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
];

function generateCases(auth: Record<string, string>, inference: Record<string, string>): Case[] {
  const random = prng(13);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const cases: Case[] = [];
  const jsonRoutes: [string, string, Record<string, string>][] = [
    ["POST", "/v1/chat/completions", inference],
    ["POST", "/v1/completions", inference],
    ["POST", "/v1/embeddings", inference],
    ["POST", "/v1/responses", inference],
    ["POST", "/v1/messages", inference],
    ["POST", "/v1/messages/count_tokens", inference],
    ["POST", "/api/auth/login", {}],
    ["POST", "/api/auth/change-password", auth],
    ["POST", "/api/endpoints", auth],
    ["PUT", "/api/endpoints/no-such-id", auth],
    ["POST", "/api/api-keys", auth],
  ];
  for (const [method, path, headers] of jsonRoutes) {
    for (const [label, body] of BAD_BODIES) {
      const contentType = random() < 0.75 ? "application/json" : pick(CONTENT_TYPES);
      cases.push({ method, path, headers: { ...headers, "content-type": contentType }, body, label });
    }
  }
  const oddMethods = ["PATCH", "OPTIONS", "TRACE", "PUT", "DELETE", "HEAD", "PROPFIND"];
  const paths = [
    "/v1/chat/completions",
    "/v1/models",
    `/v1/models/${"z".repeat(4000)}`,
    "/v1/models/%00%ff",
    "/v1/messages?beta=true",
    "/v1/messages/%00",
    "/api/auth/login",
    "/api/endpoints",
    "/api/api-keys",
    "/api/dashboard/overview",
    "/api/dashboard/request-responses?limit=abc&offset=-1",
    "/api/dashboard/request-history?status=%00",
    "/api/endpoints?status=nope&type=%ff",
    "/api/endpoints/%2e%2e%2f%2e%2e/models",
    "//v1//chat/completions",
    "/API/ENDPOINTS",
  ];
  for (let i = 0; i < 240; i++) {
    const path = pick(paths);
    const method = random() < 0.4 ? "GET" : pick(oddMethods);
    const headers = path.startsWith("/v1") ? inference : path.includes("login") ? {} : auth;
    cases.push({ method, path, headers: { ...headers }, label: "odd method/path" });
  }
  // Oversize bodies: declared above the caps (answered before reading), and one really sent.
  for (const path of ["/v1/chat/completions", "/v1/messages", "/api/auth/login", "/api/endpoints"]) {
    const big = Buffer.alloc((path.startsWith("/v1") ? 21 : 1) * MIB, 0x20);
    cases.push({
      method: "POST",
      path,
      headers: { ...(path.startsWith("/v1") ? inference : auth), "content-type": "application/json" },
      body: big,
      label: "oversize",
    });
  }
  // Bad credentials of every shape.
  for (const authorization of [
    "Bearer",
    "Basic abc",
    "Bearer sk_\t%00",
    `Bearer ${"k".repeat(8000)}`,
    "Bearer ses_x",
  ]) {
    cases.push({
      method: "GET",
      path: "/api/endpoints",
      headers: { authorization },
      label: "bad credentials",
    });
    cases.push({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { authorization },
      body: "{}",
      label: "bad key",
    });
  }
  return cases;
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((text) => text.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

/** Sends raw bytes on a fresh connection and returns everything the server answered before closing. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
    });
    socket.on("end", () => resolve(answer));
    socket.on("close", () => resolve(answer));
    socket.on("error", (error) => (answer ? resolve(answer) : reject(error)));
    socket.write(bytes);
  });
}

describe("bounded bad-input suite (Node bundle)", { timeout: 120_000 }, () => {
  let dir: TempDir;
  let llmlb: LlmlbProcess;
  let upstream: InferenceServer;

  beforeAll(async () => {
    dir = tempDir();
    upstream = await startInferenceServer("vllm", {
      models: ["m", "plain"],
      scripts: { plain: { usage: "none" } },
    });
    llmlb = await startLlmlb("node", { LLMLB_DATA_DIR: dir.path, LLMLB_ENDPOINTS: `up=${upstream.url}` });
  }, 60_000);

  afterAll(async () => {
    await llmlb?.stop("SIGKILL");
    await upstream?.stop();
    dir?.remove();
  });

  it("answers 400+ malformed requests without a 5xx, always in the OpenAI error shape, within 50 MiB", async () => {
    const auth = await llmlb.adminHeaders();
    const inference = { authorization: `Bearer ${await llmlb.inferenceKey()}` };
    const cases = generateCases(auth, inference);
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const pid = llmlb.process.child.pid as number;
    // One pass first, so one-time allocations (the lazily loaded tokenizer, JIT, pools) are not counted as
    // growth: the measured pass below must then not keep what it allocates.
    for (const item of cases) await send(item);
    const before = rssBytes(pid);
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const item = cases[next++] as Case;
        const problem = await send(item);
        if (problem) failures.push(`${item.method} ${item.path.slice(0, 80)} [${item.label}]: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    const growth = rssBytes(pid) - before;
    expect(failures).toEqual([]);
    expect(llmlb.process.child.exitCode).toBeNull();
    expect((await request(`${llmlb.url}/health`)).statusCode).toBe(200);
    expect(growth).toBeLessThan(50 * MIB);
  });

  it("answers unparseable HTTP (oversized headers, garbage) with JSON errors instead of Node's plain text", async () => {
    const overflow = await rawExchange(
      llmlb.url,
      `GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(overflow).toMatch(/^HTTP\/1\.1 431 /);
    const garbage = await rawExchange(llmlb.url, "NOT HTTP AT ALL\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    for (const answer of [overflow, garbage]) {
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
      expect(body.error).toMatchObject({ type: "invalid_request_error", code: expect.any(String) });
      expect(typeof body.error.message).toBe("string");
    }
  });

  it("wrote every log line as one JSON object during the whole run", () => {
    const lines = llmlb.process.output().trim().split("\n");
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== "object";
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
  });

  /** One request; returns what is wrong with the answer, or null. */
  async function send(item: Case): Promise<string | null> {
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(`${llmlb.url}${item.path}`, {
        method: item.method as "GET",
        headers: item.headers,
        body: item.body,
      });
    } catch (error) {
      return `no answer: ${(error as Error).message}`;
    }
    const text = await response.body.text();
    const status = response.statusCode;
    if (status >= 500) return `status ${status}: ${text.slice(0, 200)}`;
    if (status < 400 || item.method === "HEAD") return null;
    try {
      const body = JSON.parse(text) as { type?: unknown; error?: Record<string, unknown> };
      const error = body.error;
      if (item.path.toLowerCase().startsWith("/v1/messages")) {
        // The Anthropic Messages routes answer in Anthropic's shape.
        const anthropic =
          body.type === "error" && typeof error?.message === "string" && typeof error.type === "string";
        return anthropic ? null : `status ${status}, not Anthropic-shaped: ${text.slice(0, 200)}`;
      }
      const shaped =
        typeof error?.message === "string" &&
        typeof error.type === "string" &&
        typeof error.code === "string";
      return shaped ? null : `status ${status}, not OpenAI-shaped: ${text.slice(0, 200)}`;
    } catch {
      return `status ${status}, not JSON: ${text.slice(0, 200)}`;
    }
  }
});
