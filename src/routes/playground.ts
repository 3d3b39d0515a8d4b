// Owns POST /api/endpoints/{id}/chat/completions: an OpenAI chat request sent to that endpoint only (no
// routing, no failover), recorded like any request with source "playground". Admin sessions and keys with
// endpoints.manage (the access table's /api/endpoints write rule).
import { Hono } from "hono";
import * as v from "valibot";
import type { AppDeps } from "../deps.js";
import { validParams } from "../http/validate.js";
import { readProxyCall } from "./openai.js";

const Params = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)) });

export function playgroundRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.post("/api/endpoints/:id/chat/completions", async (c) => {
    const { id } = validParams(c, Params);
    const call = await readProxyCall(deps, c, "chat_completions", "/v1/chat/completions", {
      source: "playground",
      pinnedEndpointId: id,
    });
    return deps.proxy.handle(call);
  });
  return app;
}
