// Owns the one table documenting every route of the app for /api/openapi.json: summary, request schemas
// (the very valibot schemas the handlers validate with) and response schemas. Auth comes from the access
// table, not from here. test/integration/openapi.test.ts fails when a mounted route has no row.
import { CountTokensRequestSchema, MessagesRequestSchema } from "../anthropic/request-schema.js";
import {
  clientDetailQuery,
  clientHeatmapQuery,
  clientsQuery,
  timelineQuery,
} from "../dashboard/client-stats.js";

import { exportQuery } from "../dashboard/request-export.js";
import { requestResponsesQuery } from "../dashboard/request-responses.js";
import { dailyTokensQuery, monthlyTokensQuery } from "../dashboard/token-stats.js";
import { ProxyBodySchema } from "../proxy/proxy-request.js";
import { CreateBody as ApiKeyBody, UpdateBody as ApiKeyUpdate } from "../routes/api-keys.js";
import { ChangePasswordBody, LoginBody } from "../routes/auth.js";
import { DaysQuery } from "../routes/endpoint-stats.js";
import {
  CreateBody as EndpointBody,
  ListQuery as EndpointQuery,
  UpdateBody as EndpointUpdate,
} from "../routes/endpoints.js";
import { EventsQuery } from "../routes/events.js";
import { UploadFields } from "../routes/openai.js";
import { html, json, none, type RouteDoc, redirect, sse, text } from "./doc-helpers.js";
import { PLAYGROUND_DOCS } from "./playground-docs.js";
import * as q from "./request-log-schemas.js";
import * as r from "./response-schemas.js";
import { TEAM_ROUTE_DOCS } from "./team-route-docs.js";

const openai = (summary: string, schema: Parameters<typeof json>[0]): RouteDoc => ({
  tag: "OpenAI-compatible",
  summary,
  body: ProxyBodySchema,
  responses: {
    200: json(schema, sse("With `stream: true`: the upstream's Server-Sent Events, chunk by chunk")),
  },
});

const upload = (summary: string, answer: ReturnType<typeof json>): RouteDoc => ({
  tag: "OpenAI-compatible",
  summary,
  form: UploadFields,
  responses: { 200: answer },
});

/** Keys are `METHOD path` exactly as Hono registers them (`app.routes`). */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  "GET /health": { tag: "Health", summary: "Liveness: the process runs", responses: { 200: json(r.Health) } },
  "GET /ready": {
    tag: "Health",
    summary: "Readiness: the database answers and is migrated (503 if not)",
    responses: { 200: json(r.Ready) },
  },
  "GET /metrics": {
    tag: "Health",
    summary: "Prometheus text exposition",
    responses: { 200: text("text/plain; version=0.0.4", "Prometheus metrics") },
  },

  "POST /api/auth/login": {
    tag: "Auth",
    summary: "Log in: session cookie and bearer token",
    body: LoginBody,
    responses: { 200: json(r.LoginResponse) },
  },
  "POST /api/auth/logout": { tag: "Auth", summary: "End this session everywhere", responses: { 204: none } },
  "GET /api/auth/me": {
    tag: "Auth",
    summary: "The logged-in user and this session's CSRF token",
    responses: { 200: json(r.MeResponse) },
  },
  "POST /api/auth/change-password": {
    tag: "Auth",
    summary: "Change the password (ends the user's other sessions)",
    body: ChangePasswordBody,
    responses: { 204: none },
  },

  "GET /api/api-keys": {
    tag: "API keys",
    summary: "List API keys (never their secrets)",
    responses: { 200: json(r.ApiKeyList) },
  },
  "POST /api/api-keys": {
    tag: "API keys",
    summary: "Create an API key; `key` is shown only in this answer",
    body: ApiKeyBody,
    responses: { 201: json(r.ApiKeyCreated) },
  },
  "PATCH /api/api-keys/:id": {
    tag: "API keys",
    summary:
      "Same as PUT: change a key's queue priority (interactive before batch when saturated), name, permissions or limits",
    body: ApiKeyUpdate,
    responses: { 200: json(r.ApiKey) },
  },
  "DELETE /api/api-keys/:id": { tag: "API keys", summary: "Revoke an API key", responses: { 204: none } },

  "GET /api/endpoints": {
    tag: "Endpoints",
    summary: "List endpoints",
    query: EndpointQuery,
    responses: { 200: json(r.EndpointList) },
  },
  "POST /api/endpoints": {
    tag: "Endpoints",
    summary: "Register an endpoint (type detected unless given)",
    body: EndpointBody,
    responses: { 201: json(r.Endpoint) },
  },
  "GET /api/endpoints/:id": {
    tag: "Endpoints",
    summary: "One endpoint with its models",
    responses: { 200: json(r.EndpointDetail) },
  },
  "PUT /api/endpoints/:id": {
    tag: "Endpoints",
    summary: "Change an endpoint (partial)",
    body: EndpointUpdate,
    responses: { 200: json(r.Endpoint) },
  },
  "DELETE /api/endpoints/:id": { tag: "Endpoints", summary: "Remove an endpoint", responses: { 204: none } },
  "GET /api/endpoints/:id/models": {
    tag: "Endpoints",
    summary: "An endpoint's models",
    responses: { 200: json(r.EndpointModels) },
  },
  "POST /api/endpoints/:id/test": {
    tag: "Endpoints",
    summary: "Probe an endpoint now (does not change its status)",
    responses: { 200: json(r.EndpointTest) },
  },
  "POST /api/endpoints/:id/sync": {
    tag: "Endpoints",
    summary: "Re-list an endpoint's models now",
    responses: { 200: json(r.EndpointSync) },
  },
  "GET /api/endpoints/:id/model-tps": {
    tag: "Statistics",
    summary: "Live TPS per model of an endpoint",
    responses: { 200: json(r.ModelTpsList) },
  },
  "GET /api/endpoints/:id/daily-stats": {
    tag: "Statistics",
    summary: "Per-day totals of an endpoint",
    query: DaysQuery,
    responses: { 200: json(r.DayStatsList) },
  },
  "GET /api/endpoints/:id/model-stats": {
    tag: "Statistics",
    summary: "All-time totals per model of an endpoint",
    responses: { 200: json(r.ModelStatsList) },
  },
  "GET /api/endpoints/:id/today-stats": {
    tag: "Statistics",
    summary: "Today's (UTC) totals of an endpoint",
    responses: { 200: json(r.DayStatsSchema) },
  },

  "GET /api/dashboard/overview": {
    tag: "Dashboard",
    summary: "Everything the dashboard's first paint needs",
    responses: { 200: json(r.OverviewSchema) },
  },
  "GET /api/dashboard/stats": {
    tag: "Dashboard",
    summary: "Fleet counters and live load",
    responses: { 200: json(r.Stats) },
  },
  "GET /api/dashboard/endpoints": {
    tag: "Dashboard",
    summary: "Endpoints with live load, models and TPS",
    responses: { 200: json(r.DashboardEndpoints) },
  },
  "GET /api/dashboard/request-history": {
    tag: "Dashboard",
    summary: "Requests per minute, last 60 minutes",
    responses: { 200: json(r.MinutePoints) },
  },
  "GET /api/dashboard/model-stats": {
    tag: "Dashboard",
    summary: "Speed per endpoint × model × API",
    responses: { 200: json(r.DashboardModelStats) },
  },
  "GET /api/dashboard/request-responses": {
    tag: "Dashboard",
    summary: "Paged request history",
    query: requestResponsesQuery,
    responses: { 200: json(r.RequestResponses) },
  },
  "GET /api/dashboard/request-responses/export": {
    tag: "Dashboard",
    summary: "Export the request log (CSV or JSON), streamed",
    query: exportQuery,
    responses: {
      200: text("text/csv", "RFC 4180 CSV with a header row, or (format=json) a JSON array of records"),
    },
  },
  "GET /api/dashboard/request-responses/:id": {
    tag: "Dashboard",
    summary: "One request with its bodies, key and attempts",
    responses: { 200: json(q.RequestDetail) },
  },
  "GET /api/dashboard/stats/tokens": {
    tag: "Dashboard",
    summary: "All-time token totals",
    responses: { 200: json(q.TokenTotals) },
  },
  "GET /api/dashboard/stats/tokens/daily": {
    tag: "Dashboard",
    summary: "Tokens per UTC day",
    query: dailyTokensQuery,
    responses: { 200: json(q.DailyTokens) },
  },
  "GET /api/dashboard/stats/tokens/monthly": {
    tag: "Dashboard",
    summary: "Tokens per UTC month",
    query: monthlyTokensQuery,
    responses: { 200: json(q.MonthlyTokens) },
  },
  "GET /api/dashboard/clients": {
    tag: "Dashboard",
    summary: "Clients ranked by requests (by address or API key)",
    query: clientsQuery,
    responses: { 200: json(q.Clients) },
  },
  "GET /api/dashboard/clients/timeline": {
    tag: "Dashboard",
    summary: "Hourly requests of the top clients",
    query: timelineQuery,
    responses: { 200: json(q.ClientTimeline) },
  },
  "GET /api/dashboard/clients/heatmap": {
    tag: "Dashboard",
    summary: "Requests by weekday × hour (UTC)",
    query: clientHeatmapQuery,
    responses: { 200: json(q.ClientHeatmap) },
  },
  "GET /api/dashboard/clients/:ip/detail": {
    tag: "Dashboard",
    summary: "One client address: models, keys, recent requests",
    query: clientDetailQuery,
    responses: { 200: json(q.ClientDetail) },
  },
  "GET /api/dashboard/fleet": {
    tag: "Dashboard",
    summary: "Fleet totals (database) beside this instance's (memory)",
    responses: { 200: json(r.Fleet) },
  },
  "GET /api/events": {
    tag: "Dashboard",
    summary: "Live events (Server-Sent Events; `Last-Event-ID` replays; `logs=1`: admins also get LogLine)",
    query: EventsQuery,
    responses: { 200: sse("Events: RequestsCompleted, EndpointStatusChanged, MetricsUpdated, …") },
  },

  "GET /v1/models": {
    tag: "OpenAI-compatible",
    summary: "Models of online endpoints",
    responses: { 200: json(r.OpenAiModelList) },
  },
  "GET /v1/models/:id{.+}": {
    tag: "OpenAI-compatible",
    summary: "One model (ids may contain `/`)",
    responses: { 200: json(r.OpenAiModel) },
  },
  "POST /v1/chat/completions": openai(
    "Chat completion, routed to the fastest endpoint serving the model",
    r.ChatCompletion,
  ),
  "POST /v1/completions": openai("Text completion", r.Completion),
  "POST /v1/embeddings": openai("Embeddings", r.Embeddings),
  "POST /v1/responses": openai("OpenAI Responses API", r.ResponseObject),
  "POST /v1/audio/transcriptions": upload(
    "Speech to text (multipart: `file`, `model`, …; streamed upstream, read only as far as `model`)",
    json(r.Transcription, text("text/plain", "With a text `response_format`: the transcript")),
  ),
  "POST /v1/audio/translations": upload(
    "Speech to English text (multipart, streamed like transcriptions)",
    json(r.Transcription, text("text/plain", "With a text `response_format`: the translation")),
  ),
  "POST /v1/audio/speech": {
    tag: "OpenAI-compatible",
    summary: "Text to speech: the upstream's audio bytes, streamed with its content type",
    body: ProxyBodySchema,
    responses: {
      200: text("application/octet-stream", "Audio (e.g. audio/mpeg), the upstream's content type"),
    },
  },
  "POST /v1/images/generations": openai("Image generation", r.Images),
  "POST /v1/images/edits": upload("Image edit (multipart: `image`, `prompt`, `model`, …)", json(r.Images)),
  "POST /v1/images/variations": upload("Image variations (multipart: `image`, `model`, …)", json(r.Images)),

  "POST /v1/messages": {
    tag: "Anthropic-compatible",
    summary: "Anthropic Messages API (`?beta=true` accepted), translated onto the same routing",
    body: MessagesRequestSchema,
    responses: { 200: json(r.AnthropicMessageSchema, sse("With `stream: true`: Anthropic stream events")) },
    errors: "anthropic",
  },
  "POST /v1/messages/count_tokens": {
    tag: "Anthropic-compatible",
    summary: "Count a request's input tokens (the backend's tokenizer where it has one, else an estimate)",
    body: CountTokensRequestSchema,
    responses: { 200: json(r.TokenCount) },
    errors: "anthropic",
  },

  "GET /api/openapi.json": {
    tag: "Documentation",
    summary: "This OpenAPI 3.1 document",
    responses: { 200: text("application/json", "OpenAPI 3.1") },
  },
  "GET /api/docs": {
    tag: "Documentation",
    summary: "This document rendered (Swagger UI)",
    responses: { 200: html("API reference") },
  },
  ...PLAYGROUND_DOCS,
  "GET /": { tag: "Dashboard", summary: "Redirects to the dashboard", responses: { 302: redirect } },
  "GET /dashboard": { tag: "Dashboard", summary: "Redirects to /dashboard/", responses: { 302: redirect } },
  ...TEAM_ROUTE_DOCS,
};
