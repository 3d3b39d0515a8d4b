import { describe, expect, it } from "vitest";
import { averageResponseTime, createResponseTimes } from "../../src/stats/response-times.js";

describe("average response time", () => {
  it("is the mean of the recent window, live durations newest", () => {
    const times = createResponseTimes(3);
    times.seed([1000, 2000, 3000, 4000]);
    expect(times.mean()).toBe(3000);
    times.add(100);
    expect(times.mean()).toBeCloseTo((3000 + 4000 + 100) / 3, 9);
  });

  it("falls back to measured latencies of any endpoint, and is null when nothing was measured", () => {
    const empty = createResponseTimes();
    expect(averageResponseTime(empty, [null, 20, 41])).toBe(30.5);
    expect(averageResponseTime(empty, [null])).toBeNull();
    expect(averageResponseTime(empty, [])).toBeNull();
    empty.add(250);
    expect(averageResponseTime(empty, [20])).toBe(250);
  });
});
