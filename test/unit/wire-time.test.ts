// isoTime reuses the date part within a day; it must still write exactly what Date#toISOString writes.
import { describe, expect, it } from "vitest";
import { isoTime } from "../../src/http/wire-time.js";

const DAY_MS = 86_400_000;

describe("isoTime", () => {
  it("equals toISOString around midnights, within a day, across years, for negative and far instants", () => {
    const instants: number[] = [0, -1, 1, 999, 1000, 59_999, 3_599_999, DAY_MS - 1, DAY_MS];
    for (const midnight of [Date.UTC(2026, 10, 30), Date.UTC(2000, 1, 29), Date.UTC(1969, 11, 31)]) {
      for (const offset of [-DAY_MS, -1001, -1, 0, 1, 999, 1000, 61_001, 43_200_000, DAY_MS - 1, DAY_MS]) {
        instants.push(midnight + offset);
      }
    }
    // Years 0000 and 9999 (the 24-character form) and beyond it (±YYYYYY form), the Date range's ends.
    instants.push(Date.UTC(0, 0, 1) - 1, Date.UTC(0, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999));
    instants.push(Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1, 8.64e15, -8.64e15);
    // A deterministic spread (an LCG): consecutive values share a day often, jump days sometimes.
    let seed = 12345;
    let at = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      at += (seed % 7 === 0 ? seed * 97 : seed % 5000) * (seed % 3 === 0 ? -1 : 1);
      instants.push(at, Math.floor((seed / 2 ** 31 - 0.5) * 5e14));
    }
    for (const ms of instants) expect([ms, isoTime(ms)]).toEqual([ms, new Date(ms).toISOString()]);
  });

  it("truncates fractions like Date does and rejects what Date rejects", () => {
    for (const ms of [1.5, -1.5, Date.UTC(2026, 10, 30) + 0.999]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});
