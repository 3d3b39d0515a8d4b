// The proxy's one classification of failures and one decision per outcome: what a client is told and what
// the completion record and the endpoint's circuit get, for every way a request can end.
import { describe, expect, it } from "vitest";
import { AppError, errorBody } from "../../src/errors.js";
import {
  classify,
  decide,
  failureError,
  streamError,
  upstream5xx,
  verdictOf,
} from "../../src/proxy/outcome.js";
import { UpstreamError } from "../../src/upstream/types.js";

describe("classify", () => {
  it("names each failure once: a gone client wins over whatever the upstream call threw", () => {
    expect(classify(new UpstreamError("connect", "refused"), false)).toEqual({
      kind: "connect",
      message: "refused",
    });
    expect(classify(new UpstreamError("timeout", "stalled"), false)).toEqual({
      kind: "timeout",
      message: "stalled",
    });
    expect(classify(new UpstreamError("aborted", "aborted"), false).kind).toBe("client_gone");
    expect(classify(new UpstreamError("timeout", "stalled"), true).kind).toBe("client_gone");
    expect(classify(new TypeError("bad chunk"), false)).toEqual({ kind: "other", message: "bad chunk" });
  });

  it("blames the endpoint for every failure except the client's own disconnect", () => {
    expect(verdictOf({ kind: "client_gone", message: "" })).toBe("neutral");
    for (const kind of ["connect", "timeout", "upstream_5xx", "other"] as const) {
      expect(verdictOf({ kind, message: "" })).toBe("failure");
    }
  });
});

describe("what the client is told", () => {
  it("before the first byte: 504 for a timeout, the upstream's own 5xx, else 502 unreachable", () => {
    const timeout = failureError({ kind: "timeout", message: "stalled" });
    expect([timeout.status, timeout.code, timeout.message]).toEqual([
      504,
      "upstream_timeout",
      "The upstream timed out: stalled",
    ]);
    const unreachable = failureError({ kind: "connect", message: "refused" });
    expect([unreachable.status, unreachable.code]).toEqual([502, "upstream_unreachable"]);
    const answered = failureError(upstream5xx({ status: 503, headers: {}, body: new Uint8Array() }));
    expect([answered.status, answered.code, answered.message]).toEqual([
      502,
      "upstream_error",
      "The upstream answered 503",
    ]);
  });

  it("after the first byte: an error event in the OpenAI shape from the errors table", () => {
    expect(errorBody(streamError({ kind: "timeout", message: "stalled" }))).toEqual({
      error: {
        message: "The upstream stream failed after it started: stalled",
        type: "timeout_error",
        code: "upstream_timeout",
      },
    });
    expect(errorBody(streamError({ kind: "connect", message: "reset" })).error).toMatchObject({
      type: "upstream_error",
      code: "upstream_stream_error",
    });
  });
});

describe("decide", () => {
  it("records every ending with its status, error text and circuit verdict", () => {
    const queueFull = new AppError("rate_limited", "busy", { code: "queue_full" });
    const relayed = upstream5xx({ status: 503, headers: {}, body: new Uint8Array() });
    expect(decide({ kind: "answered", status: 200 })).toEqual({
      statusCode: 200,
      error: null,
      verdict: "success",
    });
    expect(decide({ kind: "refused", status: 422 })).toEqual({
      statusCode: 422,
      error: "upstream answered 422",
      verdict: "neutral",
    });
    expect(decide({ kind: "rejected", error: queueFull })).toEqual({ statusCode: 429, error: "queue_full" });
    expect(decide({ kind: "failed", failure: relayed })).toEqual({
      statusCode: 503,
      error: "upstream answered 503",
    });
    expect(decide({ kind: "failed", failure: { kind: "connect", message: "refused" } })).toEqual({
      statusCode: 502,
      error: "No upstream could be reached: refused",
    });
    expect(decide({ kind: "client_gone", status: 0 })).toEqual({
      statusCode: 0,
      error: "client disconnected",
      verdict: "neutral",
    });
    expect(
      decide({ kind: "stream_failed", status: 200, failure: { kind: "timeout", message: "stalled" } }),
    ).toEqual({
      statusCode: 200,
      error: "stalled",
      verdict: "failure",
    });
  });
});
