import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.js";

function configError(raw: Record<string, string>): ConfigError {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("applies the documented defaults to an empty environment", () => {
    const config = parseConfig({});
    expect(config.host).toBe("0.0.0.0");
    expect(config.port).toBe(32768);
    expect(config.databaseUrl).toBe("file:./data/llmlb.db");
    expect(config.loadBalancerMode).toBe("auto");
    expect(config.logLevel).toBe("info");
    expect(config.healthCheckIntervalSecs).toBe(30);
    expect(config.probeTimeoutMs).toBe(5000);
    expect(config.requestHistoryRetentionDays).toBe(7);
    expect(config.maxBodyBytes).toBe(20 * 1024 * 1024);
    expect(config.adminUsername).toBe("admin");
    expect(config.adminPassword).toBeUndefined();
    expect(config.authDisabled).toBe(false);
    expect(config.sessionTtlHours).toBe(24);
    expect(config.loginLockoutSecs).toBe(300);
    expect(config.declaredEndpoints).toEqual([]);
    expect(config.circuitFailureThreshold).toBe(3);
    expect(config.circuitCooldownSecs).toBe(15);
  });

  it("reads every variable it is given", () => {
    const config = parseConfig({
      LLMLB_HOST: "127.0.0.1",
      LLMLB_PORT: "8080",
      LLMLB_DATABASE_URL: "libsql://db.example.test",
      LLMLB_DATABASE_AUTH_TOKEN: "token",
      LLMLB_LOG_LEVEL: "debug",
      LLMLB_LOAD_BALANCER_MODE: "least_connections",
      LLMLB_HEALTH_CHECK_INTERVAL: "5",
      LLMLB_PROBE_TIMEOUT_MS: "750",
      LLMLB_QUEUE_MAX: "7",
      LLMLB_QUEUE_TIMEOUT_SECS: "9",
      LLMLB_REQUEST_HISTORY_RETENTION_DAYS: "30",
      LLMLB_AUTH_DISABLED: "1",
      LLMLB_LOGIN_LOCKOUT_SECS: "60",
      LLMLB_LOG_BODIES: "true",
      LLMLB_ENDPOINTS: "gpu1=http://10.0.0.1:11434/, http://10.0.0.2:8000",
      LLMLB_CIRCUIT_FAILURE_THRESHOLD: "5",
      LLMLB_CIRCUIT_COOLDOWN_SECS: "60",
    });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      databaseUrl: "libsql://db.example.test",
      databaseAuthToken: "token",
      logLevel: "debug",
      loadBalancerMode: "least_connections",
      healthCheckIntervalSecs: 5,
      probeTimeoutMs: 750,
      queueMax: 7,
      queueTimeoutSecs: 9,
      requestHistoryRetentionDays: 30,
      authDisabled: true,
      loginLockoutSecs: 60,
      logBodies: true,
      circuitFailureThreshold: 5,
      circuitCooldownSecs: 60,
      declaredEndpoints: [
        { name: "gpu1", baseUrl: "http://10.0.0.1:11434" },
        { name: undefined, baseUrl: "http://10.0.0.2:8000" },
      ],
    });
  });

  it("puts the default database file under LLMLB_DATA_DIR", () => {
    expect(parseConfig({ LLMLB_DATA_DIR: "/var/lib/llmlb/" }).databaseUrl).toBe(
      "file:/var/lib/llmlb/llmlb.db",
    );
  });

  it.each([
    ["LLMLB_PORT", "abc", "an integer from 1 to 65535"],
    ["LLMLB_PORT", "70000", "an integer from 1 to 65535"],
    ["LLMLB_PORT", "80.5", "an integer from 1 to 65535"],
    ["LLMLB_LOAD_BALANCER_MODE", "fastest", "one of auto, round_robin, least_connections"],
    ["LLMLB_HEALTH_CHECK_INTERVAL", "-5", "an integer from 5 to 300"],
    ["LLMLB_HEALTH_CHECK_INTERVAL", "1", "an integer from 5 to 300"],
    ["LLMLB_PROBE_TIMEOUT_MS", "50", "an integer from 100 to 60000"],
    ["LLMLB_LOG_LEVEL", "verbose", "one of debug, info, warn, error"],
    ["LLMLB_AUTH_DISABLED", "maybe", "a boolean"],
    ["LLMLB_DATABASE_URL", "postgres://x", "a URL starting with file:"],
    ["LLMLB_ENDPOINTS", "gpu1=not a url", "comma-separated http(s) URLs"],
    ["LLMLB_QUEUE_TIMEOUT_SECS", "0", "an integer from 1 to 3600"],
    ["LLMLB_CIRCUIT_FAILURE_THRESHOLD", "0", "an integer from 1 to 1000"],
    ["LLMLB_CIRCUIT_COOLDOWN_SECS", "0", "an integer from 1 to 3600"],
    ["LLMLB_LOGIN_LOCKOUT_SECS", "0", "an integer from 1 to 86400"],
  ])("rejects %s=%s naming the variable, the value and what is allowed", (variable, value, allowed) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(JSON.stringify(value));
    expect(error.message).toContain(allowed);
  });

  it("reads the SSE client backlog bound in KiB (default 1 MiB) and rejects values out of range", () => {
    expect(parseConfig({}).sseClientBacklogBytes).toBe(1024 * 1024);
    expect(parseConfig({ LLMLB_SSE_CLIENT_BUFFER_KB: "64" }).sseClientBacklogBytes).toBe(64 * 1024);
    expect(configError({ LLMLB_SSE_CLIENT_BUFFER_KB: "2" }).variable).toBe("LLMLB_SSE_CLIENT_BUFFER_KB");
  });

  it("reads the body-log cap (default 256 KiB) and the trusted proxies, rejecting what is not an address or CIDR", () => {
    expect(parseConfig({}).logBodyMaxBytes).toBe(262_144);
    expect(parseConfig({}).trustedProxies).toEqual([]);
    expect(parseConfig({ LLMLB_LOG_BODY_MAX_BYTES: "4096" }).logBodyMaxBytes).toBe(4096);
    expect(configError({ LLMLB_LOG_BODY_MAX_BYTES: "10" }).variable).toBe("LLMLB_LOG_BODY_MAX_BYTES");
    expect(parseConfig({ LLMLB_TRUSTED_PROXIES: "10.0.0.0/8, ::1,192.168.1.7" }).trustedProxies).toEqual([
      "10.0.0.0/8",
      "::1",
      "192.168.1.7",
    ]);
    for (const bad of ["10.0.0.0/33", "example.com", "10.1", "fe80::/200", "10.0.0.0/"]) {
      const error = configError({ LLMLB_TRUSTED_PROXIES: `127.0.0.1,${bad}` });
      expect(error.variable).toBe("LLMLB_TRUSTED_PROXIES");
      expect(error.message).toContain(JSON.stringify(bad));
    }
  });

  it("treats an empty value as unset", () => {
    expect(parseConfig({ LLMLB_PORT: "  " }).port).toBe(32768);
  });
});
