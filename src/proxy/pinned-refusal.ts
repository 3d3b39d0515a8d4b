// Owns the checks a request pinned to one endpoint (playground, benchmark) must pass before it is admitted.
import { AppError } from "../errors.js";
import type { EndpointDirectory } from "../registry/types.js";
import { RETRY_AFTER_SECS } from "./dispatcher.js";

/** Why a pinned request can't go to its endpoint (unknown 404, not online 503, model not served 404). */
export function pinnedRefusal(
  directory: EndpointDirectory,
  endpointId: string,
  model: string,
): AppError | null {
  const endpoint = directory.get(endpointId);
  if (!endpoint) {
    return new AppError("not_found", `No endpoint with id '${endpointId}'`, { code: "endpoint_not_found" });
  }
  if (endpoint.status !== "online") {
    return new AppError("unavailable", `Endpoint '${endpoint.name}' is ${endpoint.status}`, {
      code: "endpoint_unavailable",
      retryAfterSecs: RETRY_AFTER_SECS,
    });
  }
  if (!directory.routesFor(model).some((route) => route.endpoint.id === endpointId)) {
    return new AppError("not_found", `Endpoint '${endpoint.name}' does not serve the model '${model}'`, {
      code: "model_not_found",
      param: "model",
    });
  }
  return null;
}
