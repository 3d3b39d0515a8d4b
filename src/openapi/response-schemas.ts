// Owns the documented JSON response shapes (valibot, converted to JSON Schema for /api/openapi.json). Each is
// tied at compile time to the type of the function that builds the response (Conforms below) and checked at
// run time against real responses by test/integration/openapi.test.ts.

import * as v from "valibot";
import type { TokenCountResult } from "../anthropic/count-tokens.js";
import type { AnthropicErrorBody, AnthropicMessage } from "../anthropic/types.js";
import { PERMISSIONS, type UserJson } from "../auth/principal.js";
import { PRIORITIES } from "../balancer/fair-queue.js";
import type { DashboardStats, EndpointTpsSummary } from "../dashboard/overview.js";
import type { RequestResponseJson } from "../dashboard/request-responses.js";
import type { dashboardEndpoints, dashboardModelStats, Overview } from "../dashboard/views.js";
import type { OpenAiErrorBody } from "../errors.js";
import { CAPABILITIES } from "../registry/capabilities.js";
import type { EndpointDetailJson, EndpointJson, ModelJson } from "../registry/endpoint-json.js";
import type { SyncResult, TestResult } from "../registry/registry.js";
import { ENDPOINT_TYPES } from "../registry/types.js";
import type { ApiKeyJson, ApiKeyListJson, CreatedApiKeyJson } from "../routes/api-keys.js";
import type { LoginJson, SessionJson } from "../routes/auth.js";
import type { EndpointListJson, EndpointModelsJson } from "../routes/endpoints.js";
import type { FleetJson } from "../routes/fleet.js";
import type { DayStats, ModelStats, ModelTps } from "../stats/daily-report.js";
import type { MinutePoint } from "../stats/types.js";

const int = v.pipe(v.number(), v.integer());
export const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const num = v.number();
const nullableNum = v.nullable(v.number());
export const isoTime = v.pipe(v.string(), v.isoTimestamp());

export const ErrorResponse = v.strictObject({
  error: v.strictObject({
    message: v.string(),
    type: v.string(),
    code: v.string(),
    param: v.optional(v.string()),
  }),
});

export const Health = v.strictObject({ status: v.literal("ok") });
export const Ready = v.strictObject({ status: v.literal("ready") });

const User = v.strictObject({
  id: v.string(),
  username: v.string(),
  role: v.picklist(["admin", "viewer"]),
  must_change_password: v.boolean(),
});
export const LoginResponse = v.strictObject({
  token: v.string(),
  csrf_token: v.string(),
  expires_at: isoTime,
  user: User,
});
export const MeResponse = v.strictObject({ user: User, csrf_token: v.string(), expires_at: isoTime });

const apiKeyFields = {
  id: v.string(),
  name: v.string(),
  key_prefix: v.string(),
  permissions: v.array(v.picklist(PERMISSIONS)),
  created_by: v.nullable(v.string()),
  user_id: v.nullable(v.string()),
  owner: v.nullable(v.string()),
  created_at: isoTime,
  expires_at: v.nullable(isoTime),
  last_used_at: v.nullable(isoTime),
  rate_limit_rpm: v.nullable(count),
  token_limit_daily: v.nullable(count),
  used_today: v.strictObject({ requests: count, output_tokens: count }),
  /** Queue order when every endpoint is busy. */
  priority: v.picklist(PRIORITIES),
};
export const ApiKey = v.strictObject(apiKeyFields);
export const ApiKeyList = v.strictObject({ data: v.array(ApiKey) });
export const ApiKeyCreated = v.strictObject({
  ...apiKeyFields,
  key: v.pipe(v.string(), v.startsWith("sk_")),
});

const counters = {
  total_requests: count,
  successful_requests: count,
  failed_requests: count,
};
const tokenCounters = { ...counters, total_input_tokens: count, total_output_tokens: count };
const endpointFields = {
  id: v.string(),
  name: v.string(),
  base_url: v.string(),
  endpoint_type: v.picklist(ENDPOINT_TYPES),
  status: v.picklist(["pending", "online", "offline", "error"]),
  latency_ms: nullableNum,
  last_seen: v.nullable(isoTime),
  last_error: v.nullable(v.string()),
  error_count: count,
  health_check_interval_secs: count,
  inference_timeout_secs: count,
  max_concurrency: v.nullable(count),
  notes: v.nullable(v.string()),
  registered_at: v.nullable(isoTime),
  ...counters,
  has_api_key: v.boolean(),
  circuit_state: v.picklist(["closed", "open", "half_open"]),
};
export const Endpoint = v.strictObject(endpointFields);
export const EndpointModel = v.strictObject({
  model_id: v.string(),
  endpoint_id: v.string(),
  owned_by: v.nullable(v.string()),
  added_at: v.nullable(isoTime),
  updated_at: v.nullable(isoTime),
});
export const EndpointList = v.strictObject({ endpoints: v.array(Endpoint), total: count });
export const EndpointDetail = v.strictObject({ ...endpointFields, models: v.array(EndpointModel) });
export const EndpointModels = v.strictObject({ models: v.array(EndpointModel) });
export const EndpointTest = v.strictObject({
  success: v.boolean(),
  latency_ms: nullableNum,
  error: v.nullable(v.string()),
  models_found: count,
});
export const EndpointSync = v.strictObject({
  synced_models: count,
  added: count,
  removed: count,
  updated: count,
});

const ModelLoadSchema = v.strictObject({
  /** Measured levels of 1, 2, 4, 8, … requests in flight (a level covers 3–4, 5–8, …). */
  curve: v.array(
    v.strictObject({
      in_flight: count,
      mean_in_flight: num,
      decode_tps: nullableNum,
      ttft_ms: nullableNum,
      requests: count,
    }),
  ),
  /** Requests in flight each keeps its alone speed up to (1: the server shares its speed). */
  slots: nullableNum,
  solo_decode_tps: nullableNum,
  prefill_tps: nullableNum,
  prefill_base_ms: nullableNum,
  /** Learned model-load cost, ms. */
  load_ms: nullableNum,
  /** What Ollama's /api/ps says; null for other servers. */
  loaded: v.nullable(v.boolean()),
  last_seen_at: v.nullable(isoTime),
});

const modelTpsFields = {
  model_id: v.string(),
  api_kind: v.string(),
  /** tokens/s EMA, one decimal. */
  tps: nullableNum,
  request_count: count,
  total_output_tokens: count,
  average_duration_ms: nullableNum,
  ttft_ms: nullableNum,
  decode_tps: nullableNum,
  /** What routing learned under load; null before a proxied request finished here. */
  load: v.nullable(ModelLoadSchema),
};
export const ModelTpsList = v.array(v.strictObject(modelTpsFields));
const dailyTotals = { ...tokenCounters, total_duration_ms: num, tps: nullableNum };
export const DayStatsSchema = v.strictObject({ date: v.pipe(v.string(), v.isoDate()), ...dailyTotals });
export const DayStatsList = v.array(DayStatsSchema);
export const ModelStatsList = v.array(
  v.strictObject({ model_id: v.string(), api_kind: v.string(), ...dailyTotals }),
);

export const OpenAiModel = v.strictObject({
  id: v.string(),
  object: v.literal("model"),
  created: int,
  owned_by: v.string(),
  endpoint_ids: v.array(v.string()),
  capabilities: v.array(v.picklist(CAPABILITIES)),
  ready: v.boolean(),
});
export const OpenAiModelList = v.strictObject({ object: v.literal("list"), data: v.array(OpenAiModel) });

export const MinutePoints = v.array(v.strictObject({ minute: isoTime, success: count, error: count }));
export const Stats = v.strictObject({
  ...tokenCounters,
  total_endpoints: count,
  online_endpoints: count,
  offline_endpoints: count,
  active_requests: count,
  queued_requests: count,
  average_response_time_ms: nullableNum,
});
export const DashboardEndpoints = v.array(
  v.strictObject({
    ...endpointFields,
    ...tokenCounters,
    active_requests: count,
    models: v.array(v.string()),
    model_count: count,
    aggregate_tps: nullableNum,
  }),
);
const EndpointTps = v.strictObject({
  endpoint_id: v.string(),
  model_count: count,
  aggregate_tps: nullableNum,
  total_output_tokens: count,
  total_requests: count,
});
export const OverviewSchema = v.strictObject({
  endpoints: DashboardEndpoints,
  stats: Stats,
  history: MinutePoints,
  endpoint_tps: v.array(EndpointTps),
  generated_at: isoTime,
  generation_time_ms: num,
});
export const DashboardModelStats = v.array(
  v.strictObject({ endpoint_id: v.string(), endpoint_name: v.nullable(v.string()), ...modelTpsFields }),
);
export const RequestResponses = v.strictObject({
  records: v.array(
    v.strictObject({
      id: int,
      request_id: v.string(),
      timestamp: isoTime,
      endpoint_id: v.nullable(v.string()),
      endpoint_name: v.nullable(v.string()),
      model: v.string(),
      api_kind: v.string(),
      stream: v.boolean(),
      status: v.string(),
      status_code: int,
      error: v.nullable(v.string()),
      duration_ms: num,
      ttft_ms: nullableNum,
      input_tokens: count,
      output_tokens: count,
      total_tokens: count,
      tokens_estimated: v.boolean(),
      client_ip: v.nullable(v.string()),
      source: v.string(),
    }),
  ),
  total_count: count,
  page: count,
  per_page: count,
});

/** Compile-time proof that what a builder returns is what the schema documents. */
type Conforms<Actual extends Documented, Documented> = [Actual, Documented];
type Doc<S extends v.GenericSchema> = v.InferOutput<S>;
export type ResponseSchemaChecks = [
  Conforms<OpenAiErrorBody, Doc<typeof ErrorResponse>>,
  Conforms<UserJson, Doc<typeof User>>,
  Conforms<LoginJson, Doc<typeof LoginResponse>>,
  Conforms<SessionJson, Doc<typeof MeResponse>>,
  Conforms<ApiKeyJson, Doc<typeof ApiKey>>,
  Conforms<CreatedApiKeyJson, Doc<typeof ApiKeyCreated>>,
  Conforms<ApiKeyListJson, Doc<typeof ApiKeyList>>,
  Conforms<EndpointListJson, Doc<typeof EndpointList>>,
  Conforms<EndpointModelsJson, Doc<typeof EndpointModels>>,
  Conforms<EndpointJson, Doc<typeof Endpoint>>,
  Conforms<EndpointDetailJson, Doc<typeof EndpointDetail>>,
  Conforms<ModelJson, Doc<typeof EndpointModel>>,
  Conforms<TestResult, Doc<typeof EndpointTest>>,
  Conforms<SyncResult, Doc<typeof EndpointSync>>,
  Conforms<ModelTps[], Doc<typeof ModelTpsList>>,
  Conforms<DayStats[], Doc<typeof DayStatsList>>,
  Conforms<ModelStats[], Doc<typeof ModelStatsList>>,
  Conforms<MinutePoint[], Doc<typeof MinutePoints>>,
  Conforms<DashboardStats, Doc<typeof Stats>>,
  Conforms<ReturnType<typeof dashboardEndpoints>, Doc<typeof DashboardEndpoints>>,
  Conforms<EndpointTpsSummary, Doc<typeof EndpointTps>>,
  Conforms<Overview, Doc<typeof OverviewSchema>>,
  Conforms<ReturnType<typeof dashboardModelStats>, Doc<typeof DashboardModelStats>>,
  Conforms<RequestResponseJson, Doc<typeof RequestResponses>["records"][number]>,
];

const countersJsonShape = v.strictObject(tokenCounters);
export const Fleet = v.strictObject({
  fleet: v.strictObject({
    source: v.literal("database"),
    available: v.boolean(),
    totals: v.nullable(countersJsonShape),
    today: v.nullable(DayStatsSchema),
    endpoints: v.array(v.strictObject({ endpoint_id: v.string(), ...tokenCounters })),
  }),
  instance: v.strictObject({
    source: v.literal("memory"),
    instance_id: v.string(),
    served_since_start: countersJsonShape,
    totals: countersJsonShape,
  }),
});

export type FleetSchemaCheck = Conforms<FleetJson, Doc<typeof Fleet>>;

/** Upstream answers pass through unchanged: only the fields every OpenAI-compatible server sends. */
export const ChatCompletion = v.looseObject({
  id: v.string(),
  object: v.string(),
  choices: v.array(v.unknown()),
});
export const Completion = v.looseObject({
  id: v.string(),
  object: v.string(),
  choices: v.array(v.unknown()),
});
export const Embeddings = v.looseObject({ object: v.literal("list"), data: v.array(v.unknown()) });
export const Transcription = v.looseObject({ text: v.string() });
export const Images = v.looseObject({ created: v.number(), data: v.array(v.unknown()) });
export const ResponseObject = v.looseObject({ id: v.string(), object: v.literal("response") });

/** /v1/messages* answers in Anthropic's shapes (llmlb builds them, so they are exact). */
export const AnthropicError = v.strictObject({
  type: v.literal("error"),
  error: v.strictObject({ type: v.string(), message: v.string() }),
});
const anthropicUsage = v.strictObject({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
});
export const AnthropicMessageSchema = v.strictObject({
  id: v.string(),
  type: v.literal("message"),
  role: v.literal("assistant"),
  model: v.string(),
  content: v.array(
    v.variant("type", [
      v.strictObject({ type: v.literal("text"), text: v.string() }),
      v.strictObject({ type: v.literal("thinking"), thinking: v.string(), signature: v.string() }),
      v.strictObject({
        type: v.literal("tool_use"),
        id: v.string(),
        name: v.string(),
        input: v.record(v.string(), v.unknown()),
      }),
    ]),
  ),
  stop_reason: v.nullable(v.picklist(["end_turn", "max_tokens", "stop_sequence", "tool_use", "refusal"])),
  stop_sequence: v.nullable(v.string()),
  usage: anthropicUsage,
});
export const TokenCount = v.strictObject({ input_tokens: count });

export type AnthropicSchemaChecks = [
  Conforms<AnthropicErrorBody, Doc<typeof AnthropicError>>,
  Conforms<AnthropicMessage, Doc<typeof AnthropicMessageSchema>>,
  Conforms<TokenCountResult, Doc<typeof TokenCount>>,
];
