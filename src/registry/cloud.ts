// Owns what differs for cloud endpoint types (openai, anthropic, google): default base URLs, paths, auth
// headers, listing ids, and the `provider:model` names their models are routed by (pure).
import { AppError } from "../errors.js";
import type { EndpointType } from "./types.js";

export const CLOUD_TYPES = ["openai", "anthropic", "google"] as const;
export type CloudType = (typeof CLOUD_TYPES)[number];

/** The Messages API version llmlb speaks to an `anthropic` endpoint. */
export const ANTHROPIC_VERSION = "2023-06-01";

/**
 * Where each provider is when a registration names no base_url. Google is used through its OpenAI-compatible
 * surface, whose paths have no `/v1` (`…/v1beta/openai/chat/completions`).
 */
export const CLOUD_BASE_URLS: Record<CloudType, string> = {
  openai: "https://api.openai.com",
  anthropic: "https://api.anthropic.com",
  google: "https://generativelanguage.googleapis.com/v1beta/openai",
};

export function isCloudType(type: string): type is CloudType {
  return (CLOUD_TYPES as readonly string[]).includes(type);
}

/** The upstream path for an OpenAI-style path (`/v1/…`). */
export function upstreamPath(type: EndpointType, path: string): string {
  return type === "google" && path.startsWith("/v1/") ? path.slice(3) : path;
}

/** The model listing's path (also the cloud types' health probe). */
export function modelsPath(type: EndpointType): string {
  return upstreamPath(type, "/v1/models");
}

/** The endpoint's key as its API expects it; lower-case names. */
export function authHeaders(type: EndpointType, apiKey: string | undefined): Record<string, string> {
  if (!apiKey) return type === "anthropic" ? { "anthropic-version": ANTHROPIC_VERSION } : {};
  if (type === "anthropic") return { "x-api-key": apiKey, "anthropic-version": ANTHROPIC_VERSION };
  return { authorization: `Bearer ${apiKey}` };
}

/** A listed model id as requests must name it (Google lists `models/gemini-…`, takes `gemini-…`). */
export function listedId(type: EndpointType, id: string): string {
  return type === "google" && id.startsWith("models/") ? id.slice("models/".length) : id;
}

/** The name clients route by: `provider:model` for a cloud endpoint's model, the id itself otherwise. */
export function routeName(type: EndpointType, modelId: string): string {
  return isCloudType(type) ? `${type}:${modelId}` : modelId;
}

/** The provider of a `provider:model` name, or null when it has no cloud prefix. */
export function cloudProviderOf(model: string): CloudType | null {
  const colon = model.indexOf(":");
  if (colon <= 0) return null;
  const prefix = model.slice(0, colon);
  return isCloudType(prefix) ? prefix : null;
}

/** The 404 for a model no endpoint lists, naming the provider prefix when it has one. */
export function unknownModel(model: string, providers: ReadonlySet<string>): AppError {
  const provider = cloudProviderOf(model);
  let message = `The model '${model}' does not exist on any endpoint`;
  if (provider && !providers.has(provider)) {
    message = `The model '${model}' names the provider prefix '${provider}:', but no ${provider} endpoint is registered`;
  } else if (provider) {
    message = `The model '${model}' is not listed by any ${provider} endpoint`;
  } else if (model.indexOf(":") > 0) {
    message = `The model '${model}' does not exist on any endpoint; '${model.slice(0, model.indexOf(":"))}:' is not a provider prefix (${CLOUD_TYPES.join(", ")})`;
  }
  return new AppError("not_found", message, { code: "model_not_found", param: "model" });
}
