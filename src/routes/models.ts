// Owns GET /v1/models and /v1/models/{id}: the union of the models online endpoints list (OpenAI shape,
// each item with the `endpoint_ids` serving it, its `capabilities` and whether it is `ready`).
import { Hono } from "hono";
import * as v from "valibot";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validParams } from "../http/validate.js";
import type { Capability } from "../registry/capabilities.js";
import { cloudProviderOf } from "../registry/cloud.js";
import { equivalentNames } from "../registry/directory.js";
import type { ModelListing } from "../registry/types.js";

/** Only what these routes use. */
type ModelRoutesDeps = Pick<AppDeps, "clock" | "directory" | "circuits">;

const ModelParams = v.object({ id: v.pipe(v.string(), v.minLength(1)) });

/** One item of GET /v1/models (OpenAI's model object plus llmlb's fields). */
export interface ModelObjectJson {
  id: string;
  object: "model";
  /** Epoch seconds (the listing's time: llmlb does not know when a model was made). */
  created: number;
  owned_by: string;
  endpoint_ids: string[];
  /** What the model can be used for, reported by its upstreams or implied by their type and its name. */
  capabilities: Capability[];
  /** true when a request for it would be sent now: an endpoint serving it is online with its circuit closed. */
  ready: boolean;
}

/** GET /v1/models. */
export interface ModelListJson {
  object: "list";
  data: ModelObjectJson[];
}

function modelObject(listing: ModelListing, created: number, ready: boolean): ModelObjectJson {
  return {
    id: listing.id,
    object: "model",
    created,
    owned_by: listing.ownedBy ?? "llmlb",
    endpoint_ids: listing.endpointIds,
    capabilities: listing.capabilities,
    ready,
  };
}

export function modelRoutes(deps: ModelRoutesDeps): Hono {
  const app = new Hono();
  const created = () => Math.floor(deps.clock.now() / 1000);
  const ready = (listing: ModelListing) =>
    listing.endpointIds.some((id) => deps.circuits.circuitState(id) !== "open");

  app.get("/v1/models", (c) => {
    const now = created();
    const list: ModelListJson = {
      object: "list",
      data: deps.directory.listModels().map((listing) => modelObject(listing, now, ready(listing))),
    };
    return c.json(list);
  });

  // Model ids may contain slashes (`org/model`).
  app.get("/v1/models/:id{.+}", (c) => {
    const { id } = validParams(c, ModelParams);
    // The exact id, else its Ollama equivalent (`name` ↔ `name:latest`), as routing matches them.
    const listings = deps.directory.listModels();
    const listing = equivalentNames(id)
      .map((name) => listings.find((model) => model.id === name))
      .find((found) => found !== undefined);
    if (!listing && cloudProviderOf(id)) throw deps.directory.unknownModel(id);
    if (!listing) {
      throw new AppError("not_found", `The model '${id}' is not served by any online endpoint`, {
        code: "model_not_found",
        param: "model",
      });
    }
    return c.json(modelObject(listing, created(), ready(listing)));
  });

  return app;
}
