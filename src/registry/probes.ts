// Owns the cheap upstream calls the registry makes (detection, health probes, model listings, llama.cpp's
// /props): GETs only, each bounded by a timeout, with the endpoint's key; plus Ollama's POST /api/show (model
// metadata). Never a completion.
import type { UpstreamClient } from "../upstream/types.js";
import { type Capability, fromLlamaCppProps, fromOllama } from "./capabilities.js";
import { authHeaders, listedId, modelsPath } from "./cloud.js";
import { type Detection, type DetectionAnswers, decideType, type ProbeAnswer } from "./detect-type.js";
import type { ProbeOutcome } from "./health-status.js";
import { type ListedModel, parseModelList } from "./model-list.js";
import type { EndpointType } from "./types.js";

export interface ProbeContext {
  upstream: UpstreamClient;
  /** Per-probe bound on headers and on each body gap, ms. */
  timeoutMs: number;
  monotonic: () => number;
}

export interface Target {
  baseUrl: string;
  apiKey: string | undefined;
  /** How the key is sent and where the listing is (cloud types differ); default: Bearer, `/v1/models`. */
  type?: EndpointType;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One GET; any HTTP status is an answer, only transport failures are errors. */
export async function probeGet(context: ProbeContext, target: Target, path: string): Promise<ProbeAnswer> {
  const headers: Record<string, string> = {
    accept: "application/json",
    "accept-encoding": "identity",
    ...authHeaders(target.type ?? "openai_compatible", target.apiKey),
  };
  try {
    const response = await context.upstream.request({
      method: "GET",
      url: `${target.baseUrl}${path}`,
      headers,
      headersTimeoutMs: context.timeoutMs,
      bodyTimeoutMs: context.timeoutMs,
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON: the status and headers still count as an answer.
    }
    return { status: response.status, headers: response.headers, json };
  } catch (error) {
    return { error: `GET ${path}: ${describe(error)}` };
  }
}

/** All detection probes at once (total time ≈ one probe timeout), then the priority decision. */
export async function detectEndpointType(context: ProbeContext, target: Target): Promise<Detection> {
  const [system, lmStudioModels, tags, models] = await Promise.all([
    probeGet(context, target, "/api/system"),
    probeGet(context, target, "/api/v1/models"),
    probeGet(context, target, "/api/tags"),
    probeGet(context, target, "/v1/models"),
  ]);
  const answers: DetectionAnswers = { system, lmStudioModels, tags, models };
  return decideType(answers);
}

/** The cheapest liveness path each server type offers. */
export function healthPath(type: EndpointType): string {
  if (type === "ollama") return "/api/tags";
  if (type === "llamacpp") return "/health";
  // Cloud types: health is their model listing (with the key).
  return modelsPath(type);
}

/** A 2xx answer within the timeout is a success; latency is the round trip including the body, ms. */
export async function probeHealth(
  context: ProbeContext,
  target: Target,
  type: EndpointType,
): Promise<ProbeOutcome> {
  const path = healthPath(type);
  const started = context.monotonic();
  const answer = await probeGet(context, target, path);
  if ("error" in answer) return { ok: false, error: answer.error };
  if (answer.status < 200 || answer.status >= 300) {
    return { ok: false, error: `GET ${path}: HTTP ${answer.status}` };
  }
  return { ok: true, latencyMs: Math.round((context.monotonic() - started) * 10) / 10 };
}

/** GET the model listing; throws an Error with a readable message when there is no usable listing. */
export async function fetchModelList(context: ProbeContext, target: Target): Promise<ListedModel[]> {
  const type = target.type ?? "openai_compatible";
  const path = modelsPath(type);
  const answer = await probeGet(context, target, path);
  if ("error" in answer) throw new Error(answer.error);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`GET ${path}: HTTP ${answer.status}`);
  const models = parseModelList(answer.json);
  if (!models) throw new Error(`GET ${path}: the answer is not a model list`);
  return models.map((model) => ({ ...model, id: listedId(type, model.id) }));
}

/** Ollama's POST /api/show `capabilities` of one model; null when it does not say. */
async function ollamaCapabilities(
  context: ProbeContext,
  target: Target,
  model: string,
): Promise<Capability[] | null> {
  try {
    const response = await context.upstream.request({
      method: "POST",
      url: `${target.baseUrl}/api/show`,
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...authHeaders("ollama", target.apiKey),
      },
      body: JSON.stringify({ model }),
      headersTimeoutMs: context.timeoutMs,
      bodyTimeoutMs: context.timeoutMs,
    });
    if (response.status !== 200) {
      await response.discard();
      return null;
    }
    return fromOllama(((await response.json()) as { capabilities?: unknown } | null)?.capabilities);
  } catch {
    return null;
  }
}

/** llama.cpp's GET /props (the server's one model) as capabilities; null when it does not say. */
async function llamaCppCapabilities(context: ProbeContext, target: Target, model: string) {
  const answer = await probeGet(context, target, "/props");
  if ("error" in answer || answer.status !== 200) return null;
  return fromLlamaCppProps(answer.json, model);
}

/**
 * The listing with what the server reports each model can do, asked once per model (`known` holds earlier
 * answers): Ollama's /api/show per model; llama.cpp's /props when it lists one model (/props describes the
 * server's model; a router serving several is left to the name rules). Other types: the listing as is.
 */
export async function withReportedCapabilities(
  context: ProbeContext,
  target: Target,
  listed: ListedModel[],
  known: Map<string, Capability[] | null | undefined>,
): Promise<ListedModel[]> {
  const ask =
    target.type === "ollama"
      ? ollamaCapabilities
      : target.type === "llamacpp" && listed.length === 1
        ? llamaCppCapabilities
        : null;
  if (!ask) return listed;
  const out: ListedModel[] = [];
  for (const model of listed) {
    const capabilities = known.get(model.id) ?? (await ask(context, target, model.id));
    out.push({ ...model, capabilities });
  }
  return out;
}

/**
 * GET /api/ps (Ollama): the models loaded in memory, by the names /v1/models uses; null when the server
 * gave no usable answer (then nothing is concluded about what is loaded).
 */
export async function fetchLoadedModels(context: ProbeContext, target: Target): Promise<Set<string> | null> {
  const answer = await probeGet(context, target, "/api/ps");
  if ("error" in answer || answer.status < 200 || answer.status >= 300) return null;
  const models = (answer.json as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) return null;
  const names = new Set<string>();
  for (const model of models) {
    if (typeof model !== "object" || model === null) continue;
    for (const field of ["name", "model"] as const) {
      const value = (model as Record<string, unknown>)[field];
      if (typeof value === "string" && value.length > 0 && value.length <= 500) names.add(value);
    }
  }
  return names;
}
