import { describe, expect, it } from "vitest";
import {
  DEFAULT_LOAD_MS,
  emptyLoadProfile,
  expectedFinishMs,
  IDLE_UNLOAD_MS,
  type LoadProfile,
  levelOf,
  mayBeCold,
  observeLoad,
  prefillMs,
} from "../../src/balancer/load-model.js";

interface Shot {
  at?: number;
  concurrency: number;
  decodeTps: number;
  ttftMs?: number;
  inputTokens?: number;
  outputTokens?: number;
}

/** Feeds requests finishing 10 s apart (unless `at` says when). */
function feed(profile: LoadProfile, shots: Shot[]): LoadProfile {
  let clock = (profile.lastSeenAt ?? 0) + 10_000;
  for (const shot of shots) {
    clock = shot.at ?? clock + 10_000;
    const output = shot.outputTokens ?? 101;
    const ttftMs = shot.ttftMs ?? 100;
    observeLoad(profile, {
      finishedAt: clock,
      durationMs: ttftMs + ((output - 1) * 1000) / shot.decodeTps,
      ttftMs,
      inputTokens: shot.inputTokens ?? 200,
      outputTokens: output,
      stream: true,
      concurrency: shot.concurrency,
    });
  }
  return profile;
}

const times = <T>(n: number, make: (i: number) => T[]) => Array.from({ length: n }, (_, i) => make(i)).flat();

describe("load model", () => {
  it("puts concurrency into curve levels 1, 2, 4, 8, …", () => {
    expect([1, 1.4, 2, 3, 4, 5, 8, 9, 500].map(levelOf)).toEqual([0, 0, 1, 2, 2, 3, 3, 4, 7]);
  });

  it("a server that splits its speed: per-stream speed halves as load doubles, one slot", () => {
    const profile = feed(
      emptyLoadProfile(),
      times(4, () => [
        { concurrency: 1, decodeTps: 120 },
        { concurrency: 2, decodeTps: 60, ttftMs: 200 },
        { concurrency: 4, decodeTps: 30, ttftMs: 400 },
      ]),
    );
    expect(profile.slots).toBe(1);
    expect(profile.soloDecodeTps).toBeCloseTo(120, 5);
    expect(profile.curve.slice(0, 3).map((point) => Math.round(point.decodeTps ?? 0))).toEqual([120, 60, 30]);
  });

  it("a batching server: per-stream speed flat up to 8 in flight, then requests queue (TTFT jumps)", () => {
    const queued = (c: number) => ({
      concurrency: c,
      decodeTps: 50,
      ttftMs: 100 + ((c / 8 - 1) * 100 * 1000) / 50,
    });
    const profile = feed(
      emptyLoadProfile(),
      times(4, () => [1, 2, 4, 8].map((c) => ({ concurrency: c, decodeTps: 50 }))).concat(
        times(4, () => [queued(16), queued(32)]),
      ),
    );
    expect(profile.slots).toBe(8);
    expect(profile.curve[5]?.ttftMs).toBeGreaterThan(5 * (profile.curve[3]?.ttftMs ?? 0));
    // 5 more in flight fit its slots; a 9th waits.
    const alone = expectedFinishMs(profile, 200, 101, 0, 1_000) as number;
    expect(expectedFinishMs(profile, 200, 101, 5, 1_000)).toBeCloseTo(alone, 6);
    expect(expectedFinishMs(profile, 200, 101, 15, 1_000)).toBeCloseTo(2 * alone, 6);
  });

  it("a curve flat as far as it was seen keeps probing: slots at twice the highest level", () => {
    const profile = feed(
      emptyLoadProfile(),
      times(3, () => [1, 2, 4].map((c) => ({ concurrency: c, decodeTps: 70 }))),
    );
    expect(profile.slots).toBe(8);
  });

  it("fits prefill as a base plus ms per prompt token from requests that ran alone", () => {
    const shots = times(3, () =>
      [100, 500, 1000, 2000].map((tokens) => ({
        concurrency: 1,
        decodeTps: 100,
        inputTokens: tokens,
        ttftMs: 40 + tokens / 4,
      })),
    );
    const profile = feed(emptyLoadProfile(), shots);
    expect(prefillMs(profile, 4000)).toBeCloseTo(1040, 0);
    expect(prefillMs(profile, 0)).toBeCloseTo(40, 0);
  });

  it("learns what a cold start costs, and expects it again after idle or when the server says unloaded", () => {
    const profile = feed(emptyLoadProfile(), [
      { at: 20_000, concurrency: 1, decodeTps: 100, ttftMs: 12_100 },
      ...times(3, (i) => [{ at: 21_000 + i * 1000, concurrency: 1, decodeTps: 100 }]),
    ]);
    expect(profile.loadMs).toBeCloseTo(12_000, -2);
    const last = profile.lastSeenAt as number;
    expect(mayBeCold(profile, last + 1000)).toBe(false);
    expect(mayBeCold(profile, last + IDLE_UNLOAD_MS + 1)).toBe(true);
    const warm = expectedFinishMs(profile, 200, 101, 0, last + 1000) as number;
    expect(expectedFinishMs(profile, 200, 101, 0, last + IDLE_UNLOAD_MS + 1)).toBeCloseTo(warm + 12_000, -2);
    // The server's own word wins: loaded (no penalty even after idle), not loaded (penalty now).
    profile.loaded = true;
    expect(mayBeCold(profile, last + IDLE_UNLOAD_MS + 1)).toBe(false);
    profile.loaded = false;
    expect(mayBeCold(profile, last + 1000)).toBe(true);
  });

  it("a warm first request is no cold start; an unloaded model before one was measured costs the default", () => {
    const profile = feed(
      emptyLoadProfile(),
      times(4, () => [{ concurrency: 1, decodeTps: 100 }]),
    );
    expect(profile.loadMs).toBeNull();
    profile.loaded = false;
    const warmProfile = { ...profile, loaded: true };
    const warm = expectedFinishMs(warmProfile, 200, 101, 0, 2_000) as number;
    expect(expectedFinishMs(profile, 200, 101, 0, 2_000)).toBeCloseTo(warm + DEFAULT_LOAD_MS, 6);
  });

  it("requests that overlapped a possible first load still give an estimate (no endpoint left unscored)", () => {
    // Three requests dispatched together to a new endpoint: the first byte of the first is held back as
    // a possible model load, and the other two started before it, so no TTFT is usable yet.
    const profile = emptyLoadProfile();
    for (const durationMs of [3_000, 3_050, 3_100]) {
      observeLoad(profile, {
        finishedAt: 10_000 + durationMs,
        durationMs,
        ttftMs: 300,
        inputTokens: 200,
        outputTokens: 101,
        stream: true,
        concurrency: 3,
      });
    }
    expect(profile.curve[2]?.ttftMs).toBeNull();
    // Sharing assumed until slots are known: alone ≈ a third of what each took at 3 in flight (less the
    // first bytes held back).
    const alone = expectedFinishMs(profile, 200, 101, 0, 20_000);
    expect(alone).toBeGreaterThan((3_050 - 300) / 3 - 50);
    expect(alone).toBeLessThan(3_050 / 3 + 50);
  });

  it("cannot tell before anything was measured", () => {
    expect(expectedFinishMs(emptyLoadProfile(), 100, 100, 0, 0)).toBeNull();
  });
});
