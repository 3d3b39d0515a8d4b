// Owns the typed runtime configuration: every LLMLB_* variable, its default and its allowed values.
// Reads no environment itself: entries pass the raw variables to parseConfig().
import ipaddr from "ipaddr.js";
import * as v from "valibot";

export const LOAD_BALANCER_MODES = ["auto", "round_robin", "least_connections"] as const;
export type LoadBalancerMode = (typeof LOAD_BALANCER_MODES)[number];

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  host: string;
  port: number;
  /** Directory for the default database file and the generated secret key file. */
  dataDir: string;
  databaseUrl: string;
  databaseAuthToken: string | undefined;
  logLevel: LogLevel;
  loadBalancerMode: LoadBalancerMode;
  /** Default probe interval for endpoints that do not set their own, seconds (5–300). */
  healthCheckIntervalSecs: number;
  /** Bound on each health / detection / model-list probe (headers and each body gap), ms. */
  probeTimeoutMs: number;
  /** Per-model wait queue length when every candidate is at max_concurrency. */
  queueMax: number;
  queueTimeoutSecs: number;
  requestHistoryRetentionDays: number;
  maxBodyBytes: number;
  /** Distinct endpoints tried for one request before giving up (failover bound). */
  maxAttempts: number;
  logBodies: boolean;
  /** Cap on each stored request / response body when logBodies is on, bytes (UTF-8). */
  logBodyMaxBytes: number;
  /** Peers (CIDRs or addresses) allowed to name the client with X-Forwarded-For / X-Real-IP. */
  trustedProxies: string[];
  adminUsername: string;
  adminPassword: string | undefined;
  authDisabled: boolean;
  sessionTtlHours: number;
  /** Failed-login window and lockout length, seconds: 10 failures per username or IP inside it lock both out. */
  loginLockoutSecs: number;
  metricsPublic: boolean;
  /** Key material for encrypting upstream API keys at rest; when unset a key file in dataDir is used. */
  secretKey: string | undefined;
  /** Endpoints declared at boot: `url` or `name=url`, comma-separated. */
  declaredEndpoints: DeclaredEndpoint[];
  /** Upper bound on waiting for in-flight requests at shutdown, seconds. */
  shutdownTimeoutSecs: number;
  /** How often the in-memory TPS state is checkpointed to the database, seconds. */
  tpsCheckpointIntervalSecs: number;
  /** Consecutive live proxy failures that open an endpoint's circuit. */
  circuitFailureThreshold: number;
  /** How long an open circuit refuses traffic before one half-open trial, seconds. */
  circuitCooldownSecs: number;
  /** Bytes an SSE client may fall behind before it is disconnected (it reconnects with Last-Event-ID). */
  sseClientBacklogBytes: number;
  /**
   * LLMLB_BENCH_RECORDER_OFF (bench only): no request reaches the recorder — nothing is counted, kept or
   * written to the database (TPS, events and metrics still run). The bench's persistence on/off baseline.
   */
  recorderOff: boolean;
  /** Recent log lines kept in memory for GET /api/dashboard/logs/lb (ring, oldest dropped first). */
  logBufferLines: number;
  /** x-llmlb-endpoint / x-llmlb-attempts / x-llmlb-queue-wait-ms on proxied responses (default on). */
  routingHeaders: boolean;
}

export interface DeclaredEndpoint {
  name: string | undefined;
  baseUrl: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly allowed: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} is invalid: expected ${allowed}`);
    this.name = "ConfigError";
  }
}

type Raw = Record<string, string | undefined>;

function present(raw: Raw, name: string): string | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function integer(raw: Raw, name: string, fallback: number, min: number, max: number): number {
  const value = present(raw, name);
  if (value === undefined) return fallback;
  const schema = v.pipe(
    v.string(),
    v.regex(/^-?\d+$/),
    v.transform(Number),
    v.number(),
    v.minValue(min),
    v.maxValue(max),
  );
  const result = v.safeParse(schema, value);
  if (!result.success) throw new ConfigError(name, value, `an integer from ${min} to ${max}`);
  return result.output;
}

function oneOf<T extends string>(raw: Raw, name: string, fallback: T, allowed: readonly T[]): T {
  const value = present(raw, name);
  if (value === undefined) return fallback;
  const result = v.safeParse(v.picklist(allowed), value);
  if (!result.success) throw new ConfigError(name, value, `one of ${allowed.join(", ")}`);
  return result.output;
}

const TRUE_VALUES = ["1", "true", "yes", "on"];
const FALSE_VALUES = ["0", "false", "no", "off"];

function flag(raw: Raw, name: string): boolean {
  const value = present(raw, name);
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (TRUE_VALUES.includes(lower)) return true;
  if (FALSE_VALUES.includes(lower)) return false;
  throw new ConfigError(name, value, `a boolean (${TRUE_VALUES.join("/")} or ${FALSE_VALUES.join("/")})`);
}

const DATABASE_URL_SCHEMES = ["file:", "libsql:", "http:", "https:", "ws:", "wss:"];

function databaseUrl(raw: Raw, dataDir: string): string {
  const value = present(raw, "LLMLB_DATABASE_URL");
  if (value === undefined) return `file:${dataDir.replace(/\/+$/, "")}/llmlb.db`;
  const scheme = /^[a-z]+:/i.exec(value)?.[0]?.toLowerCase();
  if (!scheme || !DATABASE_URL_SCHEMES.includes(scheme) || value === scheme) {
    throw new ConfigError(
      "LLMLB_DATABASE_URL",
      value,
      `a URL starting with ${DATABASE_URL_SCHEMES.join(", ")}`,
    );
  }
  return value;
}

function httpUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return value.replace(/\/+$/, "");
  } catch {
    return undefined;
  }
}

function declaredEndpoints(raw: Raw): DeclaredEndpoint[] {
  const value = present(raw, "LLMLB_ENDPOINTS");
  if (value === undefined) return [];
  const endpoints: DeclaredEndpoint[] = [];
  for (const item of value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = item.indexOf("=");
    const name = separator > 0 ? item.slice(0, separator).trim() : undefined;
    const baseUrl = httpUrl(separator > 0 ? item.slice(separator + 1).trim() : item);
    if (!baseUrl || name === "") {
      throw new ConfigError(
        "LLMLB_ENDPOINTS",
        item,
        "comma-separated http(s) URLs, each optionally as name=url",
      );
    }
    endpoints.push({ name, baseUrl });
  }
  return endpoints;
}

function isAddressOrCidr(text: string): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text)) return true;
  const [address, bits] = text.split("/");
  if (address === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  return (
    (ipaddr.IPv4.isValidFourPartDecimal(address) || ipaddr.IPv6.isValid(address)) && ipaddr.isValidCIDR(text)
  );
}

function trustedProxies(raw: Raw): string[] {
  const value = present(raw, "LLMLB_TRUSTED_PROXIES");
  if (value === undefined) return [];
  const items = value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!isAddressOrCidr(item)) {
      throw new ConfigError(
        "LLMLB_TRUSTED_PROXIES",
        item,
        "comma-separated IP addresses or CIDRs (10.0.0.0/8, ::1)",
      );
    }
  }
  return items;
}

function host(raw: Raw): string {
  const value = present(raw, "LLMLB_HOST");
  if (value === undefined) return "0.0.0.0";
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(value)) {
    throw new ConfigError("LLMLB_HOST", value, "a host name or IP address");
  }
  return value;
}

const MIB = 1024 * 1024;

/** Parses and validates the raw environment; throws ConfigError naming the first bad variable. */
export function parseConfig(raw: Raw): Config {
  const dataDir = present(raw, "LLMLB_DATA_DIR") ?? "./data";
  return {
    host: host(raw),
    port: integer(raw, "LLMLB_PORT", 32768, 1, 65535),
    dataDir,
    databaseUrl: databaseUrl(raw, dataDir),
    databaseAuthToken: present(raw, "LLMLB_DATABASE_AUTH_TOKEN"),
    logLevel: oneOf(raw, "LLMLB_LOG_LEVEL", "info", LOG_LEVELS),
    loadBalancerMode: oneOf(raw, "LLMLB_LOAD_BALANCER_MODE", "auto", LOAD_BALANCER_MODES),
    healthCheckIntervalSecs: integer(raw, "LLMLB_HEALTH_CHECK_INTERVAL", 30, 5, 300),
    probeTimeoutMs: integer(raw, "LLMLB_PROBE_TIMEOUT_MS", 5000, 100, 60_000),
    queueMax: integer(raw, "LLMLB_QUEUE_MAX", 100, 0, 100_000),
    queueTimeoutSecs: integer(raw, "LLMLB_QUEUE_TIMEOUT_SECS", 30, 1, 3600),
    requestHistoryRetentionDays: integer(raw, "LLMLB_REQUEST_HISTORY_RETENTION_DAYS", 7, 1, 3650),
    maxBodyBytes: integer(raw, "LLMLB_MAX_BODY_BYTES", 20 * MIB, 1024, 1024 * MIB),
    maxAttempts: integer(raw, "LLMLB_MAX_ATTEMPTS", 3, 1, 10),
    logBodies: flag(raw, "LLMLB_LOG_BODIES"),
    logBodyMaxBytes: integer(raw, "LLMLB_LOG_BODY_MAX_BYTES", 262_144, 1024, 64 * MIB),
    trustedProxies: trustedProxies(raw),
    adminUsername: present(raw, "LLMLB_ADMIN_USERNAME") ?? "admin",
    adminPassword: present(raw, "LLMLB_ADMIN_PASSWORD"),
    authDisabled: flag(raw, "LLMLB_AUTH_DISABLED"),
    sessionTtlHours: integer(raw, "LLMLB_SESSION_TTL_HOURS", 24, 1, 24 * 365),
    loginLockoutSecs: integer(raw, "LLMLB_LOGIN_LOCKOUT_SECS", 300, 1, 86_400),
    metricsPublic: flag(raw, "LLMLB_METRICS_PUBLIC"),
    secretKey: present(raw, "LLMLB_SECRET_KEY"),
    declaredEndpoints: declaredEndpoints(raw),
    shutdownTimeoutSecs: integer(raw, "LLMLB_SHUTDOWN_TIMEOUT_SECS", 30, 0, 3600),
    tpsCheckpointIntervalSecs: integer(raw, "LLMLB_TPS_CHECKPOINT_INTERVAL_SECS", 60, 1, 86_400),
    circuitFailureThreshold: integer(raw, "LLMLB_CIRCUIT_FAILURE_THRESHOLD", 3, 1, 1000),
    circuitCooldownSecs: integer(raw, "LLMLB_CIRCUIT_COOLDOWN_SECS", 15, 1, 3600),
    sseClientBacklogBytes: integer(raw, "LLMLB_SSE_CLIENT_BUFFER_KB", 1024, 4, 1024 * 1024) * 1024,
    recorderOff: flag(raw, "LLMLB_BENCH_RECORDER_OFF"),
    logBufferLines: integer(raw, "LLMLB_LOG_BUFFER_LINES", 2000, 1, 100_000),
    routingHeaders: present(raw, "LLMLB_ROUTING_HEADERS") === undefined || flag(raw, "LLMLB_ROUTING_HEADERS"),
  };
}
