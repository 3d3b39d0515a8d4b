import { describe, expect, it } from "vitest";
import { createCircuitBreakers } from "../../src/balancer/circuit-breaker.js";

describe("circuit breaker", () => {
  const options = { failureThreshold: 3, cooldownMs: 10_000 };

  it("opens after consecutive failures, and a success in between resets the count", () => {
    const circuits = createCircuitBreakers(options);
    circuits.onFailure("e", 0);
    circuits.onFailure("e", 1);
    circuits.onSuccess("e");
    circuits.onFailure("e", 2);
    circuits.onFailure("e", 3);
    expect(circuits.stateOf("e", 4)).toBe("closed");
    circuits.onFailure("e", 5);
    expect(circuits.stateOf("e", 6)).toBe("open");
    expect(circuits.admits("e", 6)).toBe(false);
  });

  it("admits exactly one half-open trial after the cooldown; success closes it", () => {
    const circuits = createCircuitBreakers(options);
    for (let t = 0; t < 3; t++) circuits.onFailure("e", t);
    expect(circuits.stateOf("e", 10_001)).toBe("open");
    expect(circuits.stateOf("e", 10_002)).toBe("half_open");
    expect(circuits.admits("e", 10_002)).toBe(true);
    circuits.onDispatch("e", 10_002);
    expect(circuits.admits("e", 10_003)).toBe(false);
    circuits.onSuccess("e");
    expect(circuits.stateOf("e", 10_004)).toBe("closed");
    expect(circuits.admits("e", 10_004)).toBe(true);
  });

  it("re-opens for a full cooldown when the trial fails", () => {
    const circuits = createCircuitBreakers(options);
    for (let t = 0; t < 3; t++) circuits.onFailure("e", t);
    circuits.onDispatch("e", 20_000);
    circuits.onFailure("e", 20_500);
    expect(circuits.stateOf("e", 30_000)).toBe("open");
    expect(circuits.stateOf("e", 30_500)).toBe("half_open");
  });

  it("frees the trial when it ends without a verdict (client went away)", () => {
    const circuits = createCircuitBreakers(options);
    for (let t = 0; t < 3; t++) circuits.onFailure("e", t);
    circuits.onDispatch("e", 20_000);
    circuits.onNeutral("e");
    expect(circuits.admits("e", 20_001)).toBe(true);
  });

  it("keeps endpoints independent and forgets deleted ones", () => {
    const circuits = createCircuitBreakers(options);
    for (let t = 0; t < 3; t++) circuits.onFailure("a", t);
    expect(circuits.stateOf("b", 5)).toBe("closed");
    circuits.forget("a");
    expect(circuits.stateOf("a", 5)).toBe("closed");
  });
});
