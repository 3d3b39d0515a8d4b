// Owns the database schema (libSQL / SQLite). Times are epoch milliseconds unless named `date`.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const endpoints = sqliteTable("endpoints", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** Normalised: no trailing slash. */
  baseUrl: text("base_url").notNull().unique(),
  /** AES-GCM ciphertext of the upstream API key (never the plaintext). */
  apiKeyEncrypted: text("api_key_encrypted"),
  endpointType: text("endpoint_type").notNull().default("openai_compatible"),
  /** true when endpoint_type was set by the caller, so detection never overrides it. */
  typeExplicit: integer("type_explicit", { mode: "boolean" }).notNull().default(false),
  status: text("status").notNull().default("pending"),
  /** Last successful probe round trip, ms; kept when the endpoint goes offline. */
  latencyMs: real("latency_ms"),
  lastSeen: integer("last_seen"),
  lastError: text("last_error"),
  errorCount: integer("error_count").notNull().default(0),
  healthCheckIntervalSecs: integer("health_check_interval_secs").notNull().default(30),
  inferenceTimeoutSecs: integer("inference_timeout_secs").notNull().default(120),
  maxConcurrency: integer("max_concurrency"),
  notes: text("notes"),
  registeredAt: integer("registered_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  // Persisted counters, only ever incremented additively (several instances may share the database).
  totalRequests: integer("total_requests").notNull().default(0),
  successfulRequests: integer("successful_requests").notNull().default(0),
  failedRequests: integer("failed_requests").notNull().default(0),
  totalInputTokens: integer("total_input_tokens").notNull().default(0),
  totalOutputTokens: integer("total_output_tokens").notNull().default(0),
});

export const endpointModels = sqliteTable(
  "endpoint_models",
  {
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => endpoints.id, { onDelete: "cascade" }),
    /** The model id as the endpoint itself names it. */
    modelId: text("model_id").notNull(),
    ownedBy: text("owned_by"),
    /** Raw model metadata from the endpoint's listing, JSON. */
    metadata: text("metadata"),
    addedAt: integer("added_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.endpointId, table.modelId] })],
);

export const endpointDailyStats = sqliteTable(
  "endpoint_daily_stats",
  {
    endpointId: text("endpoint_id").notNull(),
    modelId: text("model_id").notNull(),
    /** UTC calendar date, YYYY-MM-DD. */
    date: text("date").notNull(),
    apiKind: text("api_kind").notNull(),
    totalRequests: integer("total_requests").notNull().default(0),
    successfulRequests: integer("successful_requests").notNull().default(0),
    failedRequests: integer("failed_requests").notNull().default(0),
    totalInputTokens: integer("total_input_tokens").notNull().default(0),
    /** Output tokens of successful requests; daily TPS = total_output_tokens / (total_duration_ms / 1000). */
    totalOutputTokens: integer("total_output_tokens").notNull().default(0),
    /** Whole-request durations of the successful requests counted in total_output_tokens, ms. */
    totalDurationMs: integer("total_duration_ms").notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.endpointId, table.modelId, table.date, table.apiKind] }),
    index("endpoint_daily_stats_date_idx").on(table.date),
  ],
);

export const requestHistory = sqliteTable(
  "request_history",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    requestId: text("request_id").notNull(),
    /** When the request finished. */
    createdAt: integer("created_at").notNull(),
    endpointId: text("endpoint_id"),
    /** Endpoint name at the time of the request (kept after the endpoint is deleted). */
    endpointName: text("endpoint_name"),
    model: text("model").notNull(),
    apiKind: text("api_kind").notNull(),
    stream: integer("stream", { mode: "boolean" }).notNull().default(false),
    status: text("status").notNull(),
    statusCode: integer("status_code").notNull(),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    ttftMs: integer("ttft_ms"),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    tokensEstimated: integer("tokens_estimated", { mode: "boolean" }).notNull().default(false),
    clientIp: text("client_ip"),
    apiKeyId: text("api_key_id"),
    /** api (a /v1 client), playground or benchmark. */
    source: text("source").notNull().default("api"),
    /** Only stored with LLMLB_LOG_BODIES=1; a stream's response is stored reassembled (JSON), never raw SSE. */
    requestBody: text("request_body"),
    responseBody: text("response_body"),
    /** true when the stored body was cut at LLMLB_LOG_BODY_MAX_BYTES. */
    requestBodyTruncated: integer("request_body_truncated", { mode: "boolean" }).notNull().default(false),
    responseBodyTruncated: integer("response_body_truncated", { mode: "boolean" }).notNull().default(false),
    /** JSON array of the endpoints tried, in order: [{endpoint_id, endpoint_name, status_code, error}]. */
    attempts: text("attempts"),
  },
  (table) => [
    index("request_history_created_at_idx").on(table.createdAt),
    index("request_history_endpoint_idx").on(table.endpointId, table.createdAt),
    index("request_history_model_idx").on(table.model, table.createdAt),
    index("request_history_client_ip_idx").on(table.clientIp, table.createdAt),
    index("request_history_api_key_idx").on(table.apiKeyId, table.createdAt),
  ],
);

/**
 * Token usage per UTC day × endpoint × model × API key, every request counted (errors too); kept after
 * request_history's retention, so monthly figures survive it. '' stands for "none" in the key columns.
 */
export const tokenDailyStats = sqliteTable(
  "token_daily_stats",
  {
    /** UTC calendar date, YYYY-MM-DD. */
    date: text("date").notNull(),
    endpointId: text("endpoint_id").notNull(),
    model: text("model").notNull(),
    apiKeyId: text("api_key_id").notNull(),
    requests: integer("requests").notNull().default(0),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.date, table.endpointId, table.model, table.apiKeyId] })],
);

/**
 * Requests per UTC hour × client address × API key ('' for none), pruned with request_history. Feeds the
 * client ranking, timeline and heatmap without scanning request_history.
 */
export const clientHourlyStats = sqliteTable(
  "client_hourly_stats",
  {
    /** Epoch ms of the start of the UTC hour. */
    hour: integer("hour").notNull(),
    clientIp: text("client_ip").notNull(),
    apiKeyId: text("api_key_id").notNull(),
    requests: integer("requests").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    /** Epoch ms of the last request in the hour. */
    lastSeen: integer("last_seen").notNull(),
  },
  (table) => [primaryKey({ columns: [table.hour, table.clientIp, table.apiKeyId] })],
);

/** TPS tracker checkpoint; one row per instance × key so instances never overwrite each other. */
export const modelTpsState = sqliteTable(
  "model_tps_state",
  {
    instanceId: text("instance_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    modelId: text("model_id").notNull(),
    apiKind: text("api_kind").notNull(),
    /** tokens/s, EMA α=0.2 over output_tokens / whole-request seconds. */
    tpsEma: real("tps_ema"),
    ttftEmaMs: real("ttft_ema_ms"),
    /** tokens/s after the first byte, EMA. */
    decodeTpsEma: real("decode_tps_ema"),
    requestCount: integer("request_count").notNull().default(0),
    totalOutputTokens: integer("total_output_tokens").notNull().default(0),
    totalDurationMs: integer("total_duration_ms").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.instanceId, table.endpointId, table.modelId, table.apiKind] })],
);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull().unique(),
    /** Self-describing KDF string (algorithm, parameters, salt, hash). */
    passwordHash: text("password_hash").notNull(),
    role: text("role").notNull().default("viewer"),
    /** Set while the password is one someone else chose (generated, or set by an admin). */
    mustChangePassword: integer("must_change_password", { mode: "boolean" }).notNull().default(false),
    /** A disabled user cannot log in, and their sessions and API keys stop working. */
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    lastLoginAt: integer("last_login_at"),
  },
  // Usernames are unique regardless of case ("Alice" and "alice" are one account).
  (table) => [uniqueIndex("users_username_lower_unique").on(sql`lower(${table.username})`)],
);

/** One-time registration codes; the code itself is shown once and stored only as its SHA-256. */
export const invitations = sqliteTable("invitations", {
  id: text("id").primaryKey(),
  codeHash: text("code_hash").notNull().unique(),
  /** The role the registered user gets. */
  role: text("role").notNull(),
  /** Username of the admin who created it. */
  createdBy: text("created_by"),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
  usedAt: integer("used_at"),
  /** User id of the account registered with it. */
  usedBy: text("used_by"),
  revokedAt: integer("revoked_at"),
});

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the session token; the token itself is never stored. */
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    csrfToken: text("csrf_token").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (table) => [index("sessions_expires_at_idx").on(table.expiresAt)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** SHA-256 of the full key; the key is shown once at creation and never stored. */
    keyHash: text("key_hash").notNull().unique(),
    /** First characters of the key, for recognising it in lists. */
    keyPrefix: text("key_prefix").notNull(),
    /** JSON array of permission names. */
    permissions: text("permissions").notNull().default(sql`'[]'`),
    /** Username of the creator, at creation time. */
    createdBy: text("created_by"),
    /** The owning user; the key works only while that user exists and is enabled. */
    userId: text("user_id"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at"),
    lastUsedAt: integer("last_used_at"),
    /** Requests admitted per UTC minute; null: unlimited. */
    rateLimitRpm: integer("rate_limit_rpm"),
    /** Output tokens per UTC day; null: unlimited. */
    tokenLimitDaily: integer("token_limit_daily"),
    /** Queue order of its requests when endpoints are saturated: 'interactive' (served first) or 'batch'. */
    priority: text("priority").notNull().default("interactive"),
  },
  (table) => [index("api_keys_user_id_idx").on(table.userId)],
);

/**
 * Per-key usage shared by instances: one row per key × window, only ever incremented additively. `window` is
 * a UTC minute `YYYY-MM-DDTHH:MM` (requests, for rate_limit_rpm) or a UTC date `YYYY-MM-DD` (requests and
 * output tokens, for token_limit_daily).
 */
export const apiKeyUsage = sqliteTable(
  "api_key_usage",
  {
    keyId: text("key_id").notNull(),
    window: text("window").notNull(),
    requests: integer("requests").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.keyId, table.window] }),
    index("api_key_usage_window_idx").on(table.window),
  ],
);

/**
 * Tamper-evident audit log: ids are consecutive from 1, and hash = sha256(prev_hash ‖ canonical row) — see
 * src/audit/chain.ts. Rows are never updated or deleted by llmlb.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey(),
    time: integer("time").notNull(),
    /** `user` (a session or a login attempt), `api_key`, or `system`. */
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    clientIp: text("client_ip"),
    /** `success` or `failure`. */
    outcome: text("outcome").notNull(),
    /** JSON object; never a secret. */
    details: text("details").notNull().default(sql`'{}'`),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (table) => [
    index("audit_log_time_idx").on(table.time),
    index("audit_log_action_idx").on(table.action),
    index("audit_log_actor_idx").on(table.actorName),
  ],
);

/** TPS benchmark runs (POST /api/benchmarks/tps); the newest 50 are kept. */
export const benchmarkRuns = sqliteTable(
  "benchmark_runs",
  {
    id: text("id").primaryKey(),
    /** running | completed | cancelled | failed. */
    status: text("status").notNull(),
    /** The validated request body, JSON. */
    params: text("params").notNull(),
    done: integer("done").notNull().default(0),
    total: integer("total").notNull(),
    /** Per-endpoint figures so far, JSON array (see BenchmarkResultJson). */
    results: text("results").notNull().default(sql`'[]'`),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    /** Last progress write; a `running` row not updated for long belongs to an instance that stopped. */
    updatedAt: integer("updated_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (table) => [index("benchmark_runs_created_at_idx").on(table.createdAt)],
);
