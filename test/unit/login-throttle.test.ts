// Login throttle (manual clock): per (username, address) free failures then exponential backoff, looser
// per-username and per-address ceilings, attempts counted while in flight, bounded memory.
import { describe, expect, it } from "vitest";
import { type Admission, createLoginThrottle, type LoginAttempt } from "../../src/auth/throttle.js";

function setup(options: { ceiling?: number; maxTracked?: number } = {}) {
  let now = 1_000_000;
  const throttle = createLoginThrottle({
    now: () => now,
    windowMs: 60_000,
    freeFailures: 3,
    ceiling: options.ceiling ?? 10,
    backoffBaseMs: 1000,
    maxTracked: options.maxTracked,
  });
  return { throttle, advance: (ms: number) => (now += ms) };
}

function admitted(admission: Admission): LoginAttempt {
  if (!admission.admitted) throw new Error(`refused for ${admission.retryAfterSecs} s`);
  return admission;
}

function wait(admission: Admission): number {
  return admission.admitted ? 0 : admission.retryAfterSecs;
}

describe("login throttle", () => {
  it("gives a pair free failures, then backs off 1 s, 2 s, 4 s … capped at the window", () => {
    const { throttle, advance } = setup({ ceiling: 100 });
    expect(admitted(throttle.begin("admin", "10.0.0.1")).fail()).toBe(0);
    expect(admitted(throttle.begin("admin", "10.0.0.1")).fail()).toBe(0);
    expect(admitted(throttle.begin("admin", "10.0.0.1")).fail()).toBe(1);
    expect(wait(throttle.begin("admin", "10.0.0.1"))).toBe(1);
    const steps: number[] = [];
    for (let i = 0; i < 8; i++) {
      advance(60_000);
      steps.push(admitted(throttle.begin("admin", "10.0.0.1")).fail());
    }
    expect(steps).toEqual([2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it("a locked pair does not lock the same username from another address", () => {
    const { throttle } = setup();
    for (let i = 0; i < 3; i++) admitted(throttle.begin("admin", "10.0.0.66")).fail();
    expect(wait(throttle.begin("admin", "10.0.0.66"))).toBeGreaterThan(0);
    expect(wait(throttle.begin("ADMIN", "10.0.0.66"))).toBeGreaterThan(0);
    expect(admitted(throttle.begin("admin", "10.0.0.1")).succeed()).toBe(0);
  });

  it("locks a username for the window once its ceiling is reached from many addresses", () => {
    const { throttle, advance } = setup({ ceiling: 10 });
    for (let i = 0; i < 10; i++) admitted(throttle.begin("admin", `10.0.1.${i}`)).fail();
    expect(wait(throttle.begin("admin", "10.0.0.1"))).toBe(60);
    expect(wait(throttle.begin("other", "10.0.0.1"))).toBe(0);
    advance(60_000);
    expect(admitted(throttle.begin("admin", "10.0.0.1")).succeed()).toBe(0);
  });

  it("locks an address for the window once it reaches the ceiling across usernames", () => {
    const { throttle } = setup({ ceiling: 10 });
    for (let i = 0; i < 10; i++) admitted(throttle.begin(`user${i}`, "10.0.0.9")).fail();
    expect(wait(throttle.begin("admin", "10.0.0.9"))).toBe(60);
    expect(wait(throttle.begin("admin", "10.0.0.1"))).toBe(0);
  });

  it("counts attempts in flight: one failure short of the backoff, only one parallel attempt is let through", () => {
    const { throttle } = setup();
    for (let i = 0; i < 2; i++) admitted(throttle.begin("admin", "10.0.0.1")).fail();
    const burst = [1, 2, 3, 4].map(() => throttle.begin("admin", "10.0.0.1"));
    expect(burst.map((admission) => admission.admitted)).toEqual([true, false, false, false]);
    expect(burst.slice(1).map(wait)).toEqual([1, 1, 1]);
    expect(admitted(burst[0] as Admission).fail()).toBe(1);
  });

  it("a success forgets the pair's failures", () => {
    const { throttle } = setup();
    admitted(throttle.begin("admin", "10.0.0.1")).fail();
    admitted(throttle.begin("admin", "10.0.0.1")).fail();
    expect(admitted(throttle.begin("admin", "10.0.0.1")).succeed()).toBe(0);
    // The pair starts over: two more failures are free, the third backs off.
    expect(admitted(throttle.begin("admin", "10.0.0.1")).fail()).toBe(0);
    expect(admitted(throttle.begin("admin", "10.0.0.1")).fail()).toBe(0);
    expect(admitted(throttle.begin("admin", "10.0.0.1")).fail()).toBe(1);
  });

  it("a ceiling's window starts over after its lockout", () => {
    const { throttle, advance } = setup({ ceiling: 4 });
    for (let i = 0; i < 4; i++) admitted(throttle.begin("admin", `10.0.1.${i}`)).fail();
    expect(wait(throttle.begin("admin", "10.0.0.1"))).toBe(60);
    advance(60_000);
    for (let i = 0; i < 3; i++) expect(admitted(throttle.begin("admin", `10.0.3.${i}`)).fail()).toBe(0);
    expect(admitted(throttle.begin("admin", "10.0.3.9")).fail()).toBe(60);
  });

  it("a cancelled attempt is not counted", () => {
    const { throttle } = setup();
    for (let i = 0; i < 10; i++) admitted(throttle.begin("admin", "10.0.0.1")).cancel();
    expect(admitted(throttle.begin("admin", "10.0.0.1")).fail()).toBe(0);
  });

  it("stays within maxTracked keys, keeping locked ones", () => {
    const { throttle } = setup({ maxTracked: 6 });
    for (let i = 0; i < 3; i++) admitted(throttle.begin("locked", "10.0.0.1")).fail();
    for (let i = 0; i < 20; i++) admitted(throttle.begin(`user${i}`, `10.0.2.${i}`)).cancel();
    expect(wait(throttle.begin("locked", "10.0.0.1"))).toBe(1);
  });
});
