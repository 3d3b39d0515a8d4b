// The upstream body per endpoint: the client's text untouched when nothing changes, the model spliced in
// for an endpoint that names it differently, and a translated body that cannot be serialised refused up front.
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { parseJsonText } from "../../src/http/json-text.js";
import { type ProxyBody, prepareUpstreamBody } from "../../src/proxy/proxy-request.js";

const RAW = '{ "model" : "m",  "messages":[{"role":"user","content":"hi"}], "max_tokens": 5 }';

describe("prepareUpstreamBody", () => {
  it("forwards the client's own text byte for byte to an endpoint that uses the client's model name", () => {
    const body = parseJsonText(RAW) as ProxyBody;
    const bodyFor = prepareUpstreamBody({ apiKind: "chat_completions", body, rawBody: RAW });
    expect(bodyFor("m")).toBe(RAW);
  });

  it("splices the endpoint's model name into the same fields for an endpoint that names it differently", () => {
    const body = parseJsonText(RAW) as ProxyBody;
    const bodyFor = prepareUpstreamBody({ apiKind: "chat_completions", body, rawBody: RAW });
    expect(JSON.parse(bodyFor("m:latest") as string)).toEqual({ ...body, model: "m:latest" });
    expect(bodyFor("m")).toBe(RAW);
  });

  it("injects stream_options.include_usage into a streamed chat body", () => {
    const raw = '{"model":"m","stream":true,"messages":[]}';
    const bodyFor = prepareUpstreamBody({
      apiKind: "chat_completions",
      body: parseJsonText(raw) as ProxyBody,
      rawBody: raw,
    });
    expect(JSON.parse(bodyFor("m") as string)).toEqual({
      model: "m",
      stream: true,
      messages: [],
      stream_options: { include_usage: true },
    });
  });

  it("refuses a translated body that cannot be serialised before any endpoint is chosen (400)", () => {
    const body: ProxyBody & { loop?: unknown } = { model: "m" };
    body.loop = body;
    let thrown: unknown;
    try {
      prepareUpstreamBody({ apiKind: "chat_completions", body });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ status: 400, code: "invalid_json" });
  });
});
