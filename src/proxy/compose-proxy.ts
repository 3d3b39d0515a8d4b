// Owns building the proxy's parts once per process/isolate: circuits, dispatcher (the LiveLoad) and the
// service; what compose() puts on AppDeps.
import {
  type CircuitBreakers,
  type CircuitReader,
  createCircuitBreakers,
} from "../balancer/circuit-breaker.js";
import type { SpeedReader } from "../balancer/types.js";
import type { Clock, Timers } from "../clock.js";
import type { Config } from "../config.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";
import type { EndpointDirectory } from "../registry/types.js";
import type { CompletionSink } from "../stats/types.js";
import type { UpstreamClient } from "../upstream/types.js";
import { Dispatcher } from "./dispatcher.js";
import { createProxyService, type ProxyService } from "./service.js";
import type { StreamReply } from "./stream-reply.js";
import type { TokenCounter } from "./token-counter.js";
import type { LiveLoad } from "./types.js";

export interface ProxyParts {
  proxy: ProxyService;
  /** In flight per endpoint and in total, queued requests (dashboard, metrics). */
  liveLoad: LiveLoad;
  /** `circuit_state` per endpoint (endpoint JSON, dashboard, metrics). */
  circuits: CircuitReader;
  /** Token estimates when an upstream reports no usage (await tokens.loaded() for exact counts). */
  tokens: TokenCounter;
}

export function composeProxy(input: {
  config: Config;
  clock: Clock;
  random: () => number;
  timers: Timers;
  speeds: SpeedReader;
  directory: EndpointDirectory;
  upstream: UpstreamClient;
  completions: CompletionSink;
  logger: Logger;
  events: EventBus;
  tokens: TokenCounter;
  streamReply?: StreamReply;
}): ProxyParts {
  const { config, clock } = input;
  const cooldownMs = config.circuitCooldownSecs * 1000;
  const breakers = createCircuitBreakers({ failureThreshold: config.circuitFailureThreshold, cooldownMs });
  // A circuit that opens wakes the queue when its cooldown ends (its half-open trial may serve a waiter).
  const circuits: CircuitBreakers = {
    ...breakers,
    onFailure(endpointId, now) {
      const wasOpen = breakers.stateOf(endpointId, now) === "open";
      breakers.onFailure(endpointId, now);
      if (!wasOpen && breakers.stateOf(endpointId, now) === "open") dispatcher.wakeAfter(cooldownMs);
    },
  };
  const dispatcher: Dispatcher = new Dispatcher({
    mode: config.loadBalancerMode,
    speeds: input.speeds,
    circuits,
    routesFor: (model) => input.directory.routesFor(model),
    monotonic: () => clock.monotonic(),
    now: () => clock.now(),
    random: input.random,
    queueMax: config.queueMax,
    queueTimeoutMs: config.queueTimeoutSecs * 1000,
    timers: input.timers,
  });
  const proxy = createProxyService({
    directory: input.directory,
    dispatcher,
    circuits,
    upstream: input.upstream,
    completions: input.completions,
    clock,
    logger: input.logger,
    maxAttempts: config.maxAttempts,
    tokens: input.tokens,
    routingHeaders: config.routingHeaders,
    streamReply: input.streamReply,
  });
  input.events.subscribe((event) => {
    // A deleted endpoint's circuit goes with it; any endpoint change may free a queued request.
    if (event.type === "EndpointRemoved") breakers.forget(event.data.endpoint_id);
    if (
      event.type === "EndpointRemoved" ||
      event.type === "EndpointUpdated" ||
      (event.type === "EndpointStatusChanged" && event.data.new_status === "online")
    ) {
      dispatcher.wake();
    }
  });
  return {
    proxy,
    liveLoad: dispatcher,
    circuits: { circuitState: (endpointId) => circuits.stateOf(endpointId, clock.monotonic()) },
    tokens: input.tokens,
  };
}
