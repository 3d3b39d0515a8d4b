// How the dashboard writes numbers for humans (web/src/format.ts).
import { describe, expect, it } from "vitest";
import { compact, duration, percent, tps } from "../../web/src/format.js";

describe("dashboard number formatting", () => {
  it("TPS has one decimal and a unit, rounded like the API; unmeasured is a dash", () => {
    expect(tps(42.46)).toBe("42.5 tok/s");
    expect(tps(50)).toBe("50.0 tok/s");
    expect(tps(0.05)).toBe("0.1 tok/s");
    expect(tps(null)).toBe("—");
  });

  it("counts and durations read like 1.2k and 3.4 s", () => {
    expect(compact(950)).toBe("950");
    expect(compact(1234)).toBe("1.2k");
    expect(compact(3_400_000)).toBe("3.4M");
    expect(compact(250_000)).toBe("250k");
    expect(duration(850)).toBe("850 ms");
    expect(duration(3400)).toBe("3.4 s");
    expect(duration(null)).toBe("—");
    expect(percent(996, 1000)).toBe("99.6%");
    expect(percent(0, 0)).toBe("—");
  });
});
