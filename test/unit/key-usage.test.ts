import { describe, expect, it } from "vitest";
import { createKeyUsage } from "../../src/limits/key-usage.js";

const T = Date.UTC(2026, 10, 30, 23, 59, 0);
const rpm = (n: number) => ({ rpm: n, tokensDaily: null });
const daily = (n: number) => ({ rpm: null, tokensDaily: n });

describe("per-key usage", () => {
  it("admits exactly rpm requests in a UTC minute; Retry-After counts to the next minute", () => {
    const usage = createKeyUsage();
    for (let i = 0; i < 5; i++) expect(usage.admit("k", rpm(5), T + 1_000).admitted).toBe(true);
    expect(usage.admit("k", rpm(5), T + 20_500)).toEqual({
      admitted: false,
      limit: "rate_limit_rpm",
      retryAfterSecs: 40,
      used: 5,
      max: 5,
    });
    expect(usage.admit("other", rpm(5), T + 20_500).admitted).toBe(true);
    expect(usage.admit("k", rpm(5), T + 60_000).admitted).toBe(true);
  });

  it("refuses once the day's output tokens reach the limit, until the next UTC day", () => {
    const usage = createKeyUsage();
    expect(usage.admit("k", daily(100), T).admitted).toBe(true);
    usage.addTokens("k", T + 10, 100);
    const refused = usage.admit("k", daily(100), T + 30_000);
    expect(refused).toMatchObject({ admitted: false, limit: "token_limit_daily", retryAfterSecs: 30 });
    expect(usage.admit("k", daily(100), T + 60_000).admitted).toBe(true);
  });

  it("counts pending, in-flight and shared usage once each through a sync, and after a failed write", () => {
    const usage = createKeyUsage();
    const { minute, day } = usage.windows(T);
    usage.admit("k", rpm(3), T);
    const taken = usage.takePending();
    expect(taken).toEqual([
      { keyId: "k", window: minute, requests: 1, outputTokens: 0 },
      { keyId: "k", window: day, requests: 1, outputTokens: 0 },
    ]);
    // In flight: still counted.
    usage.admit("k", rpm(3), T);
    // Another instance admitted one more; the database now holds ours and theirs.
    usage.settle(true, [{ keyId: "k", window: minute, requests: 2, outputTokens: 0 }]);
    expect(usage.admit("k", rpm(3), T).admitted).toBe(false);

    const failing = createKeyUsage();
    failing.admit("k", rpm(2), T);
    failing.takePending();
    failing.settle(false, null);
    failing.admit("k", rpm(2), T);
    expect(failing.admit("k", rpm(2), T).admitted).toBe(false);
    expect(failing.takePending()[0]).toMatchObject({ window: minute, requests: 2 });
  });
});
