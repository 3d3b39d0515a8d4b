// Owns the state of one proxied request across its attempts: the upstream abort, timings, the meter, and
// the single completion record (with slot release and circuit verdict) produced when it ends.
import type { CircuitBreakers } from "../balancer/circuit-breaker.js";
import type { Clock } from "../clock.js";
import type { CompletionRecord } from "../events/types.js";
import type { ModelRoute } from "../registry/types.js";
import type { AttemptJson, CompletionSink, RecordedBodies } from "../stats/types.js";
import type { Dispatcher } from "./dispatcher.js";
import { decide, type Ending, type Failure, type Outcome, type Verdict, verdictOf } from "./outcome.js";
import { type ProxyCall, type RoutingInfo, wantsStream } from "./proxy-request.js";
import type { StreamObserver } from "./sse-relay.js";
import { StreamTranscript } from "./stream-transcript.js";

/** LLMLB_LOG_BODY_MAX_BYTES's default, for a sink that does not say. */
const DEFAULT_BODY_MAX_BYTES = 262_144;

import type { TokenCounter } from "./token-counter.js";
import { UsageMeter } from "./usage-meter.js";

/** Kinds whose output is not generated text: no output tokens are estimated (only reported usage counts). */
const NO_TEXT_OUTPUT = new Set<string>(["embeddings", "audio_speech", "images"]);

export interface ExchangeDeps {
  dispatcher: Dispatcher;
  circuits: CircuitBreakers;
  completions: CompletionSink;
  clock: Clock;
  /** Counts estimated tokens when an upstream reports no usage. */
  tokens: TokenCounter;
  /** LLMLB_ROUTING_HEADERS. */
  routingHeaders: boolean;
}

export class Exchange {
  readonly meter: UsageMeter;
  /** The endpoint currently holding this request's slot. */
  route: ModelRoute | null = null;
  /** The endpoint of the latest attempt (kept for the record after its slot is freed). */
  private lastRoute: ModelRoute | null = null;
  /** Monotonic ms at the start of the request and of the current attempt. */
  readonly startedAt: number;
  attemptStartedAt = 0;
  /** First upstream body byte of the current attempt, ms after its start. */
  ttftMs: number | null = null;
  /** Time spent waiting in the per-model queue across attempts, ms. */
  queueWaitMs = 0;
  /** The endpoint's load mark when the current attempt took its slot (see Dispatcher.loadMark). */
  private loadMarkAtStart = 0;
  private ended = false;
  /** The whole response body the client got, kept only when bodies are logged (LLMLB_LOG_BODIES). */
  private responseBody: string | null = null;
  /** A streamed answer being reassembled, only when bodies are logged. */
  private transcript: StreamTranscript | null = null;
  /** The endpoints tried, in order. */
  private readonly attempts: AttemptJson[] = [];

  constructor(
    private readonly deps: ExchangeDeps,
    readonly call: ProxyCall,
  ) {
    this.startedAt = deps.clock.monotonic();
    this.meter = new UsageMeter(deps.tokens);
  }

  get clientGone(): boolean {
    return this.call.signal?.aborted === true;
  }

  beginAttempt(route: ModelRoute): void {
    this.route = route;
    this.lastRoute = route;
    this.attemptStartedAt = this.deps.clock.monotonic();
    this.loadMarkAtStart = this.deps.dispatcher.loadMark(route.endpoint.id);
    this.ttftMs = null;
    this.attempts.push({
      endpoint_id: route.endpoint.id,
      endpoint_name: route.endpoint.name,
      status_code: null,
      error: null,
    });
  }

  /**
   * What a stream relay feeds every parsed event to: the meter, plus a fresh transcript of this attempt's
   * answer when bodies are logged.
   */
  streamObserver(): StreamObserver {
    const sink = this.deps.completions;
    if (!sink.logsBodies) return this.meter;
    // Characters kept ≤ the byte cap: what is kept is never less than what can be stored.
    const transcript = new StreamTranscript(sink.bodyMaxBytes ?? DEFAULT_BODY_MAX_BYTES);
    this.transcript = transcript;
    return {
      observe: (value) => {
        this.meter.observe(value);
        transcript.observe(value);
      },
    };
  }

  /** Keeps the client's whole response body for request_history when the sink stores bodies. */
  keepResponseBody(body: Uint8Array): void {
    if (this.deps.completions.logsBodies) this.responseBody = new TextDecoder().decode(body);
  }

  markFirstByte(): void {
    if (this.ttftMs === null) this.ttftMs = this.deps.clock.monotonic() - this.attemptStartedAt;
  }

  /** Ends an attempt that will be retried elsewhere: frees its slot with the endpoint's verdict. */
  abandonAttempt(failure: Failure): void {
    const route = this.route;
    if (!route) return;
    this.route = null;
    const attempt = this.attempts[this.attempts.length - 1];
    if (attempt) {
      attempt.status_code = failure.response?.status ?? null;
      attempt.error = failure.message;
    }
    this.settle(route.endpoint.id, verdictOf(failure));
  }

  /**
   * Ends the request with its outcome (decided by outcome.ts's decide()): frees the slot, gives the circuit
   * its verdict, records exactly once. Later calls are ignored.
   */
  finish(outcome: Outcome): void {
    this.end(decide(outcome));
  }

  private end(ending: Ending): void {
    if (this.ended) return;
    this.ended = true;
    const route = this.route;
    this.route = null;
    const now = this.deps.clock.monotonic();
    const concurrency = route ? this.meanLoad(route.endpoint.id, now) : null;
    if (route) this.settle(route.endpoint.id, ending.verdict ?? "neutral");
    const answered = route !== null && ending.statusCode >= 200 && ending.statusCode < 300;
    const success = answered && ending.error === null;
    // Tokens only for a relayed answer (a partial stream included); errors carry none.
    const tokens = answered ? this.meter.result(this.call.body, NO_TEXT_OUTPUT.has(this.call.apiKind)) : null;
    const endpoint = this.lastRoute;
    const record: CompletionRecord = {
      request_id: this.call.requestId,
      finished_at: this.deps.clock.now(),
      endpoint_id: endpoint?.endpoint.id ?? null,
      endpoint_name: endpoint?.endpoint.name ?? null,
      model: this.call.body.model,
      endpoint_model: endpoint?.upstreamModelId ?? null,
      api_kind: this.call.apiKind,
      status: success ? "success" : "error",
      status_code: ending.statusCode,
      error: ending.error,
      input_tokens: tokens?.inputTokens ?? 0,
      output_tokens: tokens?.outputTokens ?? 0,
      estimated: tokens?.estimated ?? false,
      ttft_ms: answered ? round(this.ttftMs) : null,
      // From the dispatch of the attempt that answered (queue wait and failed attempts excluded, so TPS
      // measures the endpoint); from the request's start when no endpoint answered.
      duration_ms: round(now - (route ? this.attemptStartedAt : this.startedAt)) ?? 0,
      stream: wantsStream(this.call),
      concurrency,
      client_ip: this.call.clientIp,
      api_key_id: this.call.apiKeyId,
      source: this.call.source ?? "api",
    };
    const last = route ? this.attempts[this.attempts.length - 1] : undefined;
    if (last) {
      last.status_code = ending.statusCode;
      last.error = ending.error;
    }
    if (!this.deps.completions.logsBodies) {
      this.deps.completions.record(record, { attempts: this.attempts });
      return;
    }
    this.deps.completions.record(record, { attempts: this.attempts, bodies: this.bodies() });
  }

  /** The request as the client sent it and the answer it got (a stream reassembled, never raw SSE). */
  private bodies(): RecordedBodies {
    const request = this.call.rawBody ?? JSON.stringify(this.call.body);
    const answer = this.transcript?.result(this.call.body.model);
    if (answer === undefined || answer === null) return { request, response: this.responseBody };
    return {
      request,
      response: JSON.stringify(answer),
      responseTruncated: this.transcript?.truncated === true,
    };
  }

  /** What the routing headers say about this request, for the endpoint of the current attempt. */
  routing(): RoutingInfo | null {
    if (!this.deps.routingHeaders || !this.lastRoute) return null;
    return {
      endpointName: this.lastRoute.endpoint.name,
      attempts: this.attempts.length,
      queueWaitMs: this.queueWaitMs,
    };
  }

  /** Mean requests in flight at the endpoint since this attempt took its slot (itself included). */
  private meanLoad(endpointId: string, now: number): number {
    const elapsed = now - this.attemptStartedAt;
    if (elapsed <= 0) return 1;
    const mean = (this.deps.dispatcher.loadMark(endpointId) - this.loadMarkAtStart) / elapsed;
    return Math.max(1, Math.round(mean * 100) / 100);
  }

  private settle(endpointId: string, verdict: Verdict): void {
    this.deps.dispatcher.release(endpointId);
    const circuits = this.deps.circuits;
    if (verdict === "success") circuits.onSuccess(endpointId);
    else if (verdict === "failure") circuits.onFailure(endpointId, this.deps.clock.monotonic());
    else circuits.onNeutral(endpointId);
  }
}

function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 10) / 10;
}
