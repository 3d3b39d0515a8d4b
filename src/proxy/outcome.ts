// Owns what a proxied request's end means: the one classification of failures (client gone, upstream
// connect / timeout / 5xx / other) and the one decision of what every outcome records (status code, error
// text, circuit verdict) and what the client is told (errors built from src/errors.ts's table). Pure.
import { AppError } from "../errors.js";
import { UpstreamError } from "../upstream/types.js";

/**
 * Why an attempt did not produce an answer. client_gone: the client disconnected (never the endpoint's
 * fault); connect: no connection / reset; timeout: no headers or a stalled body in time; upstream_5xx: the
 * upstream answered 5xx; upstream_redirect: it answered 3xx (never followed); other: anything else thrown while
 * talking to the upstream.
 */
export type FailureKind =
  | "client_gone"
  | "connect"
  | "timeout"
  | "upstream_5xx"
  | "upstream_redirect"
  | "other";

export interface Failure {
  kind: FailureKind;
  message: string;
  /** upstream_5xx only: the upstream's own answer, relayed as is when it was the last attempt. */
  response?: { status: number; headers: Record<string, string>; body: Uint8Array };
}

/** What an ended attempt says about its endpoint's health. */
export type Verdict = "success" | "failure" | "neutral";

/** What the completion record says about a request (see decide()). */
export interface Ending {
  /** HTTP status the client got (0: the client went away before headers). */
  statusCode: number;
  error: string | null;
  /** Only for a request that held an endpoint slot. */
  verdict?: Verdict;
}

/**
 * How a request ended. answered: a 2xx body or a complete stream; refused: the upstream's own 4xx,
 * relayed; rejected: llmlb refused before any endpoint answered (unknown model, queue, none available);
 * failed: the last attempt's failure (a relayed 5xx included); client_gone: the client left (status 0
 * before headers); stream_failed: the upstream failed after the first byte reached the client.
 */
export type Outcome =
  | { kind: "answered"; status: number }
  | { kind: "refused"; status: number }
  | { kind: "rejected"; error: AppError }
  | { kind: "failed"; failure: Failure }
  | { kind: "client_gone"; status: number }
  | { kind: "stream_failed"; status: number; failure: Failure };

/** Classifies anything thrown while talking to an upstream; a fired client signal always wins. */
export function classify(error: unknown, clientGone: boolean): Failure {
  const message = error instanceof Error ? error.message : String(error);
  if (clientGone) return { kind: "client_gone", message: "client disconnected" };
  if (error instanceof UpstreamError) {
    if (error.kind === "aborted") return { kind: "client_gone", message: "client disconnected" };
    return { kind: error.kind, message };
  }
  return { kind: "other", message };
}

/** An upstream 5xx answer (its body kept for relaying). */
export function upstream5xx(response: NonNullable<Failure["response"]>): Failure {
  return { kind: "upstream_5xx", message: `The upstream answered ${response.status}`, response };
}

/** An upstream 3xx: not an answer (a misconfigured endpoint), and its Location is never relayed. */
export function upstreamRedirect(status: number): Failure {
  return { kind: "upstream_redirect", message: `The upstream answered ${status} (a redirect, not followed)` };
}

/** The endpoint's share of a failure: client_gone is never its fault. */
export function verdictOf(failure: Failure): Verdict {
  return failure.kind === "client_gone" ? "neutral" : "failure";
}

/** The error a client gets when the last attempt failed before any byte reached it. */
export function failureError(failure: Failure): AppError {
  switch (failure.kind) {
    case "timeout":
      return new AppError("gateway_timeout", `The upstream timed out: ${failure.message}`, {
        code: "upstream_timeout",
      });
    case "upstream_5xx":
      return new AppError("bad_gateway", failure.message, { code: "upstream_error" });
    case "upstream_redirect":
      return new AppError("bad_gateway", failure.message, { code: "upstream_redirect" });
    default:
      return new AppError("bad_gateway", `No upstream could be reached: ${failure.message}`, {
        code: "upstream_unreachable",
      });
  }
}

/** The error event a client gets when the upstream fails after the stream started. */
export function streamError(failure: Failure): AppError {
  const message = `The upstream stream failed after it started: ${failure.message}`;
  return failure.kind === "timeout"
    ? new AppError("gateway_timeout", message, { code: "upstream_timeout" })
    : new AppError("bad_gateway", message, { code: "upstream_stream_error" });
}

/** The one decision of what a request's completion record says. */
export function decide(outcome: Outcome): Ending {
  switch (outcome.kind) {
    case "answered":
      return { statusCode: outcome.status, error: null, verdict: "success" };
    case "refused":
      // The upstream's own client error: not the endpoint's fault.
      return { statusCode: outcome.status, error: `upstream answered ${outcome.status}`, verdict: "neutral" };
    case "rejected":
      return { statusCode: outcome.error.status, error: outcome.error.code };
    case "failed": {
      const relayed = outcome.failure.response;
      if (relayed) return { statusCode: relayed.status, error: `upstream answered ${relayed.status}` };
      const error = failureError(outcome.failure);
      return { statusCode: error.status, error: error.message };
    }
    case "client_gone":
      return { statusCode: outcome.status, error: "client disconnected", verdict: "neutral" };
    case "stream_failed":
      return { statusCode: outcome.status, error: outcome.failure.message, verdict: "failure" };
  }
}
