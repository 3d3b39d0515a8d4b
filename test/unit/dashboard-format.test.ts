// How the dashboard writes numbers for humans (web/src/format.ts).
import { describe, expect, it } from "vitest";
import { loadSummary } from "../../web/src/components/model-tps-table.js";
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

  it("the learned load profile reads as slots, per-stream speeds by requests in flight and load cost", () => {
    const point = (in_flight: number, decode_tps: number | null) => ({
      in_flight,
      mean_in_flight: in_flight,
      decode_tps,
      ttft_ms: 100,
      requests: 3,
    });
    const base = {
      slots: 8,
      solo_decode_tps: 50,
      prefill_tps: 4000,
      prefill_base_ms: 20,
      load_ms: null,
      loaded: null,
      last_seen_at: "2026-11-30T00:00:00.001Z" as const,
    };
    expect(loadSummary({ ...base, curve: [point(1, 50.2), point(2, 49.6), point(4, null)] })).toBe(
      "≈8 slots — 50/50 tok/s per stream at 1/2 in flight",
    );
    expect(loadSummary({ ...base, slots: 1, load_ms: 12_000, loaded: false, curve: [point(2, 30)] })).toBe(
      `shares its speed — 30 tok/s per stream at 2 in flight — load ${duration(12_000)} — not loaded`,
    );
    expect(loadSummary(null)).toBe("—");
    expect(loadSummary({ ...base, curve: [] })).toBe("—");
  });
});
