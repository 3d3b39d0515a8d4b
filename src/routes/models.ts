// Owns GET /v1/models and /v1/models/{id}: the union of the models online endpoints list (OpenAI shape,
// each item with the `endpoint_ids` serving it).
import { Hono } from "hono";
import * as v from "valibot";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";
import { validParams } from "../http/validate.js";
import { equivalentNames } from "../registry/directory.js";
import type { ModelListing } from "../registry/types.js";

/** Only what these routes use. */
type ModelRoutesDeps = Pick<AppDeps, "clock" | "directory">;

const ModelParams = v.object({ id: v.pipe(v.string(), v.minLength(1)) });

function modelObject(listing: ModelListing, created: number) {
  return {
    id: listing.id,
    object: "model" as const,
    created,
    owned_by: listing.ownedBy ?? "llmlb",
    endpoint_ids: listing.endpointIds,
  };
}

export function modelRoutes(deps: ModelRoutesDeps): Hono {
  const app = new Hono();
  const created = () => Math.floor(deps.clock.now() / 1000);

  app.get("/v1/models", (c) => {
    const now = created();
    return c.json({
      object: "list",
      data: deps.directory.listModels().map((listing) => modelObject(listing, now)),
    });
  });

  // Model ids may contain slashes (`org/model`).
  app.get("/v1/models/:id{.+}", (c) => {
    const { id } = validParams(c, ModelParams);
    // The exact id, else its Ollama equivalent (`name` ↔ `name:latest`), as routing matches them.
    const listings = deps.directory.listModels();
    const listing = equivalentNames(id)
      .map((name) => listings.find((model) => model.id === name))
      .find((found) => found !== undefined);
    if (!listing) {
      throw new AppError("not_found", `The model '${id}' is not served by any online endpoint`, {
        code: "model_not_found",
        param: "model",
      });
    }
    return c.json(modelObject(listing, created()));
  });

  return app;
}
