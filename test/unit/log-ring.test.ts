import { describe, expect, it } from "vitest";
import type { LogLineJson } from "../../src/events/types.js";
import { isoTime } from "../../src/http/wire-time.js";
import { createLogRing, MAX_LINE_CHARS } from "../../src/logs/log-ring.js";

const line = (n: number, level: LogLineJson["level"] = "info"): LogLineJson => ({
  time: isoTime(n * 1000),
  level,
  msg: `line ${n}`,
});
const push = (ring: ReturnType<typeof createLogRing>, entry: LogLineJson) =>
  ring.push(entry, JSON.stringify(entry));

describe("log ring", () => {
  it("keeps the newest `capacity` lines, oldest first", () => {
    const ring = createLogRing(3);
    for (let n = 1; n <= 7; n++) push(ring, line(n));
    expect(ring.size).toBe(3);
    expect(ring.recent("debug", 10).map((entry) => entry.msg)).toEqual(["line 5", "line 6", "line 7"]);
    expect(ring.recent("debug", 2).map((entry) => entry.msg)).toEqual(["line 6", "line 7"]);
  });

  it("filters by minimum level before applying the limit", () => {
    const ring = createLogRing(10);
    push(ring, line(1, "error"));
    push(ring, line(2, "debug"));
    push(ring, line(3, "warn"));
    push(ring, line(4, "info"));
    expect(ring.recent("warn", 10).map((entry) => entry.msg)).toEqual(["line 1", "line 3"]);
    expect(ring.recent("warn", 1).map((entry) => entry.msg)).toEqual(["line 3"]);
  });

  it("cuts an oversized line to its time, level and the start of its message", () => {
    const ring = createLogRing(2);
    const huge = { ...line(1, "warn"), msg: "x".repeat(5000), body: "y".repeat(MAX_LINE_CHARS) };
    const kept = push(ring, huge);
    expect(kept).toEqual({ time: huge.time, level: "warn", msg: "x".repeat(1024), truncated: true });
    expect(ring.recent("debug", 1)).toEqual([kept]);
  });
});
