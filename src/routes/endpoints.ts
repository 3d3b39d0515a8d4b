// Owns /api/endpoints: registration, listing, editing and removal of upstream endpoints, their models,
// manual test and sync. Responses never carry an API key, only `has_api_key`.
import { Hono } from "hono";
import * as v from "valibot";
import { noteAudit } from "../audit/middleware.js";
import type { AppDeps } from "../deps.js";
import { validBody, validParams, validQuery } from "../http/validate.js";
import { normaliseBaseUrl } from "../registry/base-url.js";
import {
  type EndpointDetailJson,
  type EndpointJson,
  endpointJson,
  type ModelJson,
  modelJson,
} from "../registry/endpoint-json.js";
import { endpointNotFound } from "../registry/registry.js";
import { ENDPOINT_TYPES } from "../registry/types.js";
import { countersJson } from "../stats/counters-json.js";

const STATUSES = ["pending", "online", "offline", "error"] as const;

const name = v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(200));
const baseUrl = v.pipe(
  v.string(),
  v.check((value) => normaliseBaseUrl(value) !== null, "must be an http(s) URL without query or fragment"),
);
const apiKey = v.nullable(v.pipe(v.string(), v.maxLength(4096)));
const endpointType = v.picklist(ENDPOINT_TYPES, `must be one of ${ENDPOINT_TYPES.join(", ")}`);
const interval = v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(300));
const inferenceTimeout = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86_400));
const maxConcurrency = v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)));
const notes = v.nullable(v.pipe(v.string(), v.maxLength(4000)));

export const CreateBody = v.object({
  name,
  // Optional only for the cloud types (openai, anthropic, google): their public API is the default.
  base_url: v.optional(baseUrl),
  api_key: v.optional(apiKey),
  endpoint_type: v.optional(endpointType),
  health_check_interval_secs: v.optional(interval),
  inference_timeout_secs: v.optional(inferenceTimeout),
  max_concurrency: v.optional(maxConcurrency),
  notes: v.optional(notes),
});

/** A partial update: any field of a create body. */
export const UpdateBody = v.partial(CreateBody);

export const ListQuery = v.object({
  status: v.optional(v.picklist(STATUSES, `must be one of ${STATUSES.join(", ")}`)),
  type: v.optional(endpointType),
});

const IdParams = v.object({ id: v.pipe(v.string(), v.minLength(1)) });

type Body = v.InferOutput<typeof UpdateBody>;
/** What POST /api/endpoints accepts. */
export type EndpointCreateInput = v.InferInput<typeof CreateBody>;
/** What PUT /api/endpoints/{id} accepts: any field of a create body. */
export type EndpointUpdateInput = v.InferInput<typeof UpdateBody>;

function toInput(body: Body) {
  return {
    name: body.name,
    baseUrl: body.base_url,
    apiKey: body.api_key,
    endpointType: body.endpoint_type,
    healthCheckIntervalSecs: body.health_check_interval_secs,
    inferenceTimeoutSecs: body.inference_timeout_secs,
    maxConcurrency: body.max_concurrency,
    notes: body.notes,
  };
}

/** GET /api/endpoints. */
export interface EndpointListJson {
  endpoints: EndpointJson[];
  total: number;
}

/** GET /api/endpoints/{id}/models. */
export interface EndpointModelsJson {
  models: ModelJson[];
}

export function endpointRoutes(deps: Pick<AppDeps, "registry" | "directory" | "circuits" | "stats">): Hono {
  const { registry, directory } = deps;
  /** Live request counters: persisted plus not yet written. */
  const countersOf = (id: string) => countersJson(deps.stats.countersOf(id));
  const json = (id: string) => {
    const record = directory.get(id);
    return record ? endpointJson(record, countersOf(id), deps.circuits.circuitState(id)) : null;
  };
  const found = (id: string) => {
    const body = json(id);
    if (!body) throw endpointNotFound(id);
    return body;
  };
  const modelsJson = (id: string) => directory.modelsOf(id).map((model) => modelJson(id, model));
  const app = new Hono();

  app.post("/api/endpoints", async (c) => {
    const body = await validBody(c, CreateBody);
    noteAudit(c, { details: { name: body.name, fields: Object.keys(body) } });
    const record = await registry.create({ ...toInput(body), name: body.name, baseUrl: body.base_url });
    noteAudit(c, { targetId: record.id });
    return c.json(endpointJson(record, countersOf(record.id), deps.circuits.circuitState(record.id)), 201);
  });

  app.get("/api/endpoints", (c) => {
    const query = validQuery(c, ListQuery);
    const endpoints = directory
      .list()
      .filter((record) => !query.status || record.status === query.status)
      .filter((record) => !query.type || record.endpointType === query.type)
      .map((record) => endpointJson(record, countersOf(record.id), deps.circuits.circuitState(record.id)));
    const list: EndpointListJson = { endpoints, total: endpoints.length };
    return c.json(list);
  });

  app.get("/api/endpoints/:id", async (c) => {
    const { id } = validParams(c, IdParams);
    const detail: EndpointDetailJson = { ...found(id), models: modelsJson(id) };
    return c.json(detail);
  });

  app.get("/api/endpoints/:id/models", async (c) => {
    const { id } = validParams(c, IdParams);
    found(id);
    const models: EndpointModelsJson = { models: modelsJson(id) };
    return c.json(models);
  });

  app.put("/api/endpoints/:id", async (c) => {
    const { id } = validParams(c, IdParams);
    const body = await validBody(c, UpdateBody);
    // Which fields changed, never their values (api_key is a secret).
    noteAudit(c, { details: { fields: Object.keys(body) } });
    const record = await registry.update(id, toInput(body));
    return c.json(endpointJson(record, countersOf(record.id), deps.circuits.circuitState(record.id)));
  });

  app.delete("/api/endpoints/:id", async (c) => {
    const { id } = validParams(c, IdParams);
    await registry.remove(id);
    return c.body(null, 204);
  });

  app.post("/api/endpoints/:id/test", async (c) => {
    const { id } = validParams(c, IdParams);
    return c.json(await registry.test(id));
  });

  app.post("/api/endpoints/:id/sync", async (c) => {
    const { id } = validParams(c, IdParams);
    return c.json(await registry.syncModels(id));
  });

  return app;
}
