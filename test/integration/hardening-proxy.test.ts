// Hostile inference requests and hostile upstream answers: a body nested deeper than the bound is the
// client's 400 and never opens an endpoint's circuit; model names are capped; an upstream cannot set
// cookies on llmlb's origin, smuggle hop-by-hop headers through, or redirect the client.
import { afterEach, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/http/json-text.js";
import { api } from "../fixtures/admin-api.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { sendJson } from "../fixtures/fake-upstream.js";
import { captureCompletions, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

/** A chat body whose `messages` nests `depth` arrays (plus the top-level object). */
function nestedChat(depth: number, extra: Record<string, unknown> = {}): string {
  const head = JSON.stringify({ model: "m", ...extra }).slice(0, -1);
  return `${head},"messages":${"[".repeat(depth)}"x"${"]".repeat(depth)}}`;
}

describe("hostile inference traffic", () => {
  let app: TestApp | undefined;
  let server: InferenceServer | undefined;
  afterEach(async () => {
    await app?.close();
    await server?.stop();
    app = undefined;
    server = undefined;
  });

  async function setup() {
    app = await startTestApp();
    server = await startInferenceServer("vllm", { models: ["m"] });
    const id = await registerEndpoint(app, "vllm", server.url);
    const key = await app.inferenceKey();
    const post = (path: string, body: string) =>
      fetch(`${app?.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body,
      });
    return { app, server, id, post, records: captureCompletions(app) };
  }

  it("refuses JSON nested deeper than the bound with a 400, and the endpoint's circuit stays closed", async () => {
    const { id, post } = await setup();
    for (let i = 0; i < 5; i++) {
      const response = await post("/v1/chat/completions", nestedChat(10_000, { stream: true }));
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string; type: string } };
      expect(body.error.code).toBe("json_too_deep");
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.message).toContain(String(MAX_JSON_DEPTH));
    }
    const endpoint = await api(app as TestApp, "GET", `/api/endpoints/${id}`);
    expect(endpoint.body.circuit_state).toBe("closed");
    const ok = await post("/v1/chat/completions", nestedChat(MAX_JSON_DEPTH - 2, { stream: true }));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("[DONE]");
  });

  it("the same depth bound applies to /api/* JSON routes", async () => {
    await setup();
    const deep = `{"name":"x","base_url":"http://127.0.0.1:1","notes":${"[".repeat(5000)}${"]".repeat(5000)}}`;
    const response = await fetch(`${app?.url}/api/endpoints`, {
      method: "POST",
      headers: { ...(await app?.adminHeaders()), "content-type": "application/json" },
      body: deep,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("json_too_deep");
  });

  it("caps the model name at 256 characters and records no over-long name", async () => {
    const { post, records } = await setup();
    const huge = await post(
      "/v1/chat/completions",
      JSON.stringify({ model: "x".repeat(1 << 20), messages: [] }),
    );
    expect(huge.status).toBe(400);
    const body = (await huge.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe("model");
    expect(body.error.message.length).toBeLessThan(300);
    const over = await post("/v1/chat/completions", JSON.stringify({ model: "y".repeat(257), messages: [] }));
    expect(over.status).toBe(400);
    const longest = await post(
      "/v1/chat/completions",
      JSON.stringify({ model: "z".repeat(256), messages: [] }),
    );
    expect(longest.status).toBe(404);
    expect(records.map((record) => record.model.length)).toEqual([256]);
  });

  it("drops upstream Set-Cookie, Location and headers named in Connection", async () => {
    const { post } = await setup();
    server?.route("POST", "/v1/chat/completions", (_request, response) =>
      sendJson(
        response,
        200,
        { id: "c", object: "chat.completion", model: "m", choices: [] },
        {
          "set-cookie": "llmlb_session=attacker; Path=/",
          connection: "keep-alive, x-upstream-secret",
          "x-upstream-secret": "internal",
          location: "https://elsewhere.example/",
          "x-kept": "yes",
        },
      ),
    );
    const response = await post("/v1/chat/completions", JSON.stringify({ model: "m", messages: [] }));
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("x-upstream-secret")).toBeNull();
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("x-kept")).toBe("yes");
  });

  it("every proxied answer carries the security headers and its request id; an upstream cannot weaken them", async () => {
    const { post } = await setup();
    const weakening = {
      "content-security-policy": "default-src *",
      "x-frame-options": "SAMEORIGIN",
      "referrer-policy": "unsafe-url",
      "x-powered-by": "Express",
      "x-kept": "yes",
    };
    let status = 200;
    server?.route("POST", "/v1/chat/completions", (request, response) => {
      if (request.body.includes('"stream":true')) {
        response.writeHead(200, { "content-type": "text/event-stream", ...weakening });
        response.end('data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n');
        return;
      }
      sendJson(response, status, { id: "c", object: "chat.completion", model: "m", choices: [] }, weakening);
    });
    const health = await fetch(`${app?.url}/health`);
    const security = [...health.headers].filter(([name]) =>
      /^(content-security-policy|x-|referrer-policy|cross-origin-|origin-agent-cluster)/.test(name),
    );
    const ours = Object.fromEntries(security.filter(([name]) => name !== "x-request-id"));
    expect(ours["content-security-policy"]).toContain("frame-ancestors 'none'");
    const answers = [
      await post("/v1/chat/completions", JSON.stringify({ model: "m", messages: [] })),
      await post("/v1/chat/completions", JSON.stringify({ model: "m", messages: [], stream: true })),
    ];
    status = 400;
    answers.push(await post("/v1/chat/completions", JSON.stringify({ model: "m", messages: [] })));
    answers.push(await post("/v1/chat/completions", JSON.stringify({ model: "absent", messages: [] })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 400, 404]);
    const ids = new Set<string>();
    for (const answer of answers) {
      await answer.arrayBuffer();
      const got = Object.fromEntries([...answer.headers].filter(([name]) => name in ours));
      expect({ status: answer.status, headers: got }).toEqual({ status: answer.status, headers: ours });
      expect(answer.headers.get("x-powered-by")).toBeNull();
      expect(answer.headers.get("strict-transport-security")).toBeNull();
      ids.add(answer.headers.get("x-request-id") ?? "");
    }
    expect([...ids].every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);
    expect(ids.size).toBe(answers.length);
    expect(answers[0]?.headers.get("x-kept")).toBe("yes");
    status = 200;
    const https = await fetch(`${app?.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await app?.inferenceKey()}`,
        "content-type": "application/json",
        "x-forwarded-proto": "https",
        "x-request-id": "client-req-7",
      },
      body: JSON.stringify({ model: "m", messages: [] }),
    });
    expect(https.status).toBe(200);
    expect(https.headers.get("strict-transport-security")).toContain("max-age=");
    expect(https.headers.get("x-request-id")).toBe("client-req-7");
    expect(https.headers.get("x-frame-options")).toBe("DENY");
  });

  it("turns an upstream redirect into a 502 without relaying its Location", async () => {
    const { post, records } = await setup();
    server?.route("POST", "/v1/chat/completions", (_request, response) => {
      response.writeHead(307, { location: "http://127.0.0.1:1/steal" });
      response.end();
    });
    const response = await post("/v1/chat/completions", JSON.stringify({ model: "m", messages: [] }));
    expect(response.status).toBe(502);
    expect(response.headers.get("location")).toBeNull();
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("upstream_redirect");
    expect(records.at(-1)?.status_code).toBe(502);
  });
});
