// Owns the contract between the endpoint registry and its readers (router, proxy, dashboard, recorder).
import type { AppError } from "../errors.js";
import type { EndpointStatus } from "../events/types.js";
import type { Capability } from "./capabilities.js";

export const ENDPOINT_TYPES = [
  "xllm",
  "ollama",
  "vllm",
  "lm_studio",
  "llamacpp",
  "openai_compatible",
  // Cloud providers: registered explicitly with a key, never detected (see cloud.ts).
  "openai",
  "anthropic",
  "google",
] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/** The in-memory view of one endpoint; always consistent with the `endpoints` row it mirrors. */
export interface EndpointRecord {
  id: string;
  name: string;
  /** Normalised, no trailing slash. */
  baseUrl: string;
  endpointType: EndpointType;
  status: EndpointStatus;
  /** Last successful probe, ms; kept when the endpoint goes offline. */
  latencyMs: number | null;
  /** Epoch ms of the last successful probe. */
  lastSeen: number | null;
  lastError: string | null;
  errorCount: number;
  healthCheckIntervalSecs: number;
  inferenceTimeoutSecs: number;
  maxConcurrency: number | null;
  notes: string | null;
  registeredAt: number;
  updatedAt: number;
  hasApiKey: boolean;
}

/** One way to serve a requested model: an endpoint and the model id as that endpoint names it. */
export interface ModelRoute {
  endpoint: EndpointRecord;
  upstreamModelId: string;
}

export interface ModelListing {
  /** The name clients use. */
  id: string;
  /** Online endpoints serving it. */
  endpointIds: string[];
  ownedBy: string | null;
  /** The union over those endpoints, in CAPABILITIES order. */
  capabilities: Capability[];
}

/**
 * Read side of the registry, used on the hot path: memory only, never the database.
 * Invariant: the registry never writes the counter columns of `endpoints` (the recorder adds to them).
 */
export interface EndpointDirectory {
  list(): EndpointRecord[];
  get(id: string): EndpointRecord | undefined;
  /** Online endpoints that serve `model` (matching rules, e.g. Ollama's `:latest`, live in the registry). */
  routesFor(model: string): ModelRoute[];
  /** true when any endpoint, whatever its status, lists the model (404 vs 503). */
  isKnownModel(model: string): boolean;
  /** The 404 for a model no endpoint lists (naming a `provider:` prefix when it has one). */
  unknownModel(model: string): AppError;
  /** The union over online endpoints. */
  listModels(): ModelListing[];
  /** The decrypted upstream API key, for building upstream requests; never for responses or logs. */
  apiKeyOf(endpointId: string): string | undefined;
}

export interface StoredModel {
  /** The model id as the endpoint names it. */
  id: string;
  ownedBy: string | null;
  metadata: string | null;
  /** What the upstream reported the model can do (Ollama's /api/show); null: not reported. Memory only. */
  capabilities?: Capability[] | null;
  /** Epoch ms. */
  addedAt: number;
  updatedAt: number;
}

/** What the HTTP layer and the dashboard read: the directory plus each endpoint's stored models (any status). */
export interface EndpointReader extends EndpointDirectory {
  modelsOf(endpointId: string): StoredModel[];
}
