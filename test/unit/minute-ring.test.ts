import { describe, expect, it } from "vitest";
import { createMinuteRing, MINUTE_MS } from "../../src/stats/minute-ring.js";

const T0 = Date.UTC(2026, 10, 22, 12, 0, 30); // 12:00:30 UTC

describe("minute ring", () => {
  it("shows 60 minutes oldest first, the current minute last, gaps filled with zeros", () => {
    const ring = createMinuteRing();
    ring.add(T0, true, T0);
    ring.add(T0 + 10_000, false, T0 + 10_000);
    ring.add(T0 - 5 * MINUTE_MS, true, T0);
    const points = ring.snapshot(T0 + 20_000);
    expect(points).toHaveLength(60);
    expect(points[59]).toEqual({ minute: "2026-11-22T12:00:00.000Z", success: 1, error: 1 });
    expect(points[54]).toEqual({ minute: "2026-11-22T11:55:00.000Z", success: 1, error: 0 });
    expect(points[0]?.minute).toBe("2026-11-22T11:01:00.000Z");
    expect(points.filter((point) => point.success + point.error > 0)).toHaveLength(2);
  });

  it("drops minutes older than 60 as time moves on", () => {
    const ring = createMinuteRing();
    ring.add(T0, true, T0);
    expect(ring.snapshot(T0 + 59 * MINUTE_MS)[0]).toMatchObject({ success: 1 });
    const later = ring.snapshot(T0 + 60 * MINUTE_MS);
    expect(later.every((point) => point.success === 0 && point.error === 0)).toBe(true);
    // A record already outside the window is not counted at all.
    ring.add(T0 - 61 * MINUTE_MS, false, T0);
    expect(ring.snapshot(T0).every((point) => point.error === 0)).toBe(true);
  });

  it("adds rebuilt counts to live ones in the same minute", () => {
    const ring = createMinuteRing();
    ring.add(T0, true, T0);
    ring.addCounts(T0 - 30_000, 4, 2, T0);
    ring.addCounts(T0 - 30 * MINUTE_MS - 30_000, 3, 0, T0);
    const points = ring.snapshot(T0);
    expect(points[59]).toMatchObject({ success: 5, error: 2 });
    expect(points[29]).toMatchObject({ minute: "2026-11-22T11:30:00.000Z", success: 3 });
  });
});
