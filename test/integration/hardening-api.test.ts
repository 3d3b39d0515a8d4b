// Management API hardening: an endpoint's stored key never follows its base_url to another origin; JSON
// bodies on /api/* are capped (413 before the body is read, the unauthenticated login included); a PUT
// whose body is not an object is a 400.
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { api } from "../fixtures/admin-api.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

/**
 * Streams a chunked JSON body of up to `totalBytes` to `path`, a chunk at a time, and stops as soon as the
 * server answers. Returns the status and how many bytes had been sent when the answer came.
 */
function streamBody(
  url: string,
  path: string,
  totalBytes: number,
): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(256 * 1024, "a");
    let sent = 0;
    let answered = false;
    const req = httpRequest(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    });
    req.on("response", (response) => {
      answered = true;
      response.resume();
      resolve({ status: response.statusCode ?? 0, sent });
      req.destroy();
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const next = () => {
      if (answered) return;
      if (sent >= totalBytes) {
        req.end();
        return;
      }
      const first = sent === 0;
      sent += chunk.length;
      req.write(first ? Buffer.concat([Buffer.from('{"username":"admin","password":"'), chunk]) : chunk, () =>
        setImmediate(next),
      );
    };
    next();
  });
}

describe("management API hardening", () => {
  let app: TestApp | undefined;
  const servers: InferenceServer[] = [];
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const server of servers.splice(0)) await server.stop();
  });

  it("drops the stored upstream key when base_url moves to another origin, unless api_key comes along", async () => {
    app = await startTestApp();
    const owner = await startInferenceServer("vllm", { models: ["m"], apiKey: "upstream-secret" });
    const attacker = await startInferenceServer("vllm", { models: ["m"] });
    servers.push(owner, attacker);
    const id = await registerEndpoint(app, "owned", owner.url, { api_key: "upstream-secret" });

    // Same origin, another path: the key stays.
    const samePath = await api(app, "PUT", `/api/endpoints/${id}`, { base_url: `${owner.url}/` });
    expect(samePath.body.has_api_key).toBe(true);

    const moved = await api(app, "PUT", `/api/endpoints/${id}`, { base_url: attacker.url });
    expect(moved.status).toBe(200);
    expect(moved.body.has_api_key).toBe(false);
    await api(app, "POST", `/api/endpoints/${id}/test`);
    await api(app, "POST", `/api/endpoints/${id}/sync`);
    expect(attacker.requests.length).toBeGreaterThan(0);
    expect(attacker.requests.map((request) => request.headers.authorization ?? null)).toEqual(
      attacker.requests.map(() => null),
    );

    // Moving back with a key in the same request stores that key.
    const back = await api(app, "PUT", `/api/endpoints/${id}`, {
      base_url: owner.url,
      api_key: "upstream-secret",
    });
    expect(back.body.has_api_key).toBe(true);
    expect(back.body.status).toBe("online");
  });

  it("answers an oversize login body with 413 before reading it (declared or chunked)", async () => {
    app = await startTestApp();
    const declared = await fetch(`${app.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "p".repeat(100 * 1024) }),
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe("request_too_large");

    const streamed = await streamBody(app.url, "/api/auth/login", 64 * 1024 * 1024);
    expect(streamed.status).toBe(413);
    // The answer came long before the 64 MiB were sent: the server stopped reading at the cap.
    expect(streamed.sent).toBeLessThan(16 * 1024 * 1024);
  });

  it("caps every /api/* JSON body at 64 KiB", async () => {
    app = await startTestApp();
    const big = await api(app, "POST", "/api/endpoints", {
      name: "x",
      base_url: "http://127.0.0.1:9",
      padding: "z".repeat(70 * 1024),
    });
    expect(big.status).toBe(413);
    const normal = await api(app, "POST", "/api/api-keys", { name: "k", permissions: ["openai.inference"] });
    expect(normal.status).toBe(201);
  });

  it("a PUT body that is not a JSON object is a 400", async () => {
    app = await startTestApp();
    const server = await startInferenceServer("vllm", { models: ["m"] });
    servers.push(server);
    const id = await registerEndpoint(app, "e", server.url);
    for (const body of [[], "text", 42, null, true]) {
      const answer = await api(app, "PUT", `/api/endpoints/${id}`, body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      expect(answer.body.error.type).toBe("invalid_request_error");
    }
  });

  it("every answer carries the security headers; HSTS only when the client came over HTTPS", async () => {
    app = await startTestApp();
    for (const path of ["/health", "/api/endpoints", "/no-such-route"]) {
      const response = await fetch(`${app.url}${path}`);
      const csp = response.headers.get("content-security-policy") ?? "";
      expect({ path, csp }).toEqual({ path, csp: expect.stringContaining("frame-ancestors 'none'") });
      expect(csp).toContain("default-src 'self'");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      expect(response.headers.get("strict-transport-security")).toBeNull();
    }
    const https = await fetch(`${app.url}/health`, { headers: { "x-forwarded-proto": "https" } });
    expect(https.headers.get("strict-transport-security")).toContain("max-age=");
  });
});
