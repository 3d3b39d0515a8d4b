import { describe, expect, it } from "vitest";
import { createLoginThrottle } from "../../src/auth/throttle.js";

function setup(maxTracked?: number) {
  let now = 1_000_000;
  const throttle = createLoginThrottle({ now: () => now, windowMs: 60_000, maxFailures: 3, maxTracked });
  return { throttle, advance: (ms: number) => (now += ms) };
}

describe("login throttle", () => {
  it("locks a key after maxFailures inside the window, for the window length", () => {
    const { throttle, advance } = setup();
    throttle.recordFailure(["user:a"]);
    throttle.recordFailure(["user:a"]);
    expect(throttle.retryAfterSecs(["user:a"])).toBe(0);
    throttle.recordFailure(["user:a"]);
    expect(throttle.retryAfterSecs(["user:a"])).toBe(60);
    advance(59_500);
    expect(throttle.retryAfterSecs(["user:a"])).toBe(1);
    advance(500);
    expect(throttle.retryAfterSecs(["user:a"])).toBe(0);
  });

  it("forgets failures older than the window", () => {
    const { throttle, advance } = setup();
    throttle.recordFailure(["user:a"]);
    throttle.recordFailure(["user:a"]);
    advance(60_001);
    throttle.recordFailure(["user:a"]);
    expect(throttle.retryAfterSecs(["user:a"])).toBe(0);
  });

  it("counts each key separately and refuses when any of the presented keys is locked", () => {
    const { throttle } = setup();
    for (const user of ["user:a", "user:b", "user:c"]) throttle.recordFailure([user, "ip:10.0.0.1"]);
    expect(throttle.retryAfterSecs(["user:a"])).toBe(0);
    expect(throttle.retryAfterSecs(["user:z", "ip:10.0.0.1"])).toBe(60);
    expect(throttle.retryAfterSecs(["user:z", "ip:10.0.0.2"])).toBe(0);
  });

  it("reset clears a key's failures", () => {
    const { throttle } = setup();
    throttle.recordFailure(["user:a"]);
    throttle.recordFailure(["user:a"]);
    throttle.reset("user:a");
    throttle.recordFailure(["user:a"]);
    expect(throttle.retryAfterSecs(["user:a"])).toBe(0);
  });

  it("stays within maxTracked keys, keeping locked ones over stale ones", () => {
    const { throttle, advance } = setup(2);
    for (let i = 0; i < 3; i++) throttle.recordFailure(["user:locked"]);
    throttle.recordFailure(["user:stale"]);
    advance(61_000);
    for (let i = 0; i < 3; i++) throttle.recordFailure(["user:locked"]);
    throttle.recordFailure(["user:new"]);
    expect(throttle.retryAfterSecs(["user:locked"])).toBe(60);
  });
});
