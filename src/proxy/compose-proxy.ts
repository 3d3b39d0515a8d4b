// Owns building the proxy's parts once per process/isolate: circuits, dispatcher (the LiveLoad) and the
// service; what compose() puts on AppDeps.
import { type CircuitReader, createCircuitBreakers } from "../balancer/circuit-breaker.js";
import type { SpeedReader } from "../balancer/types.js";
import type { Config } from "../config.js";
import type { Clock } from "../deps.js";
import type { Logger } from "../logger.js";
import type { EndpointDirectory } from "../registry/types.js";
import type { CompletionSink } from "../stats/types.js";
import type { UpstreamClient } from "../upstream/types.js";
import { Dispatcher } from "./dispatcher.js";
import { createProxyService, type ProxyService } from "./service.js";
import type { LiveLoad } from "./types.js";

export interface ProxyParts {
  proxy: ProxyService;
  /** In flight per endpoint and in total, queued requests (dashboard, metrics). */
  liveLoad: LiveLoad;
  /** `circuit_state` per endpoint (endpoint JSON, dashboard, metrics). */
  circuits: CircuitReader;
}

export function composeProxy(input: {
  config: Config;
  clock: Clock;
  random: () => number;
  speeds: SpeedReader;
  directory: EndpointDirectory;
  upstream: UpstreamClient;
  completions: CompletionSink;
  logger: Logger;
}): ProxyParts {
  const { config, clock } = input;
  const circuits = createCircuitBreakers({
    failureThreshold: config.circuitFailureThreshold,
    cooldownMs: config.circuitCooldownSecs * 1000,
  });
  const dispatcher = new Dispatcher({
    mode: config.loadBalancerMode,
    speeds: input.speeds,
    circuits,
    routesFor: (model) => input.directory.routesFor(model),
    monotonic: () => clock.monotonic(),
    random: input.random,
    queueMax: config.queueMax,
    queueTimeoutMs: config.queueTimeoutSecs * 1000,
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
  });
  return {
    proxy,
    liveLoad: dispatcher,
    circuits: { circuitState: (endpointId) => circuits.stateOf(endpointId, clock.monotonic()) },
  };
}
