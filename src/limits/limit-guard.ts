// Owns refusing inference over a key's limits: POST /v1/* with an API key is admitted (and counted) by
// KeyUsage or refused with 429 `rate_limit_exceeded` and Retry-After. It throws AppError, so each route
// family's error renderer shapes the body (OpenAI shape; Anthropic shape on /v1/messages).
import type { MiddlewareHandler } from "hono";
import type { AppDeps } from "../deps.js";
import { AppError } from "../errors.js";

const WHAT = {
  rate_limit_rpm: (max: number) => `${max} requests per minute`,
  token_limit_daily: (max: number) => `${max} output tokens per UTC day`,
} as const;

export function keyLimitGuard(deps: Pick<AppDeps, "keyUsage" | "clock">): MiddlewareHandler {
  return async (c, next) => {
    const principal = c.get("principal");
    if (c.req.method === "POST" && principal?.kind === "api_key") {
      const admission = deps.keyUsage.admit(principal.keyId, principal.limits, deps.clock.now());
      if (!admission.admitted) {
        throw new AppError(
          "rate_limited",
          `This API key is over its limit of ${WHAT[admission.limit](admission.max)}; retry in ${admission.retryAfterSecs} s`,
          { code: "rate_limit_exceeded", retryAfterSecs: admission.retryAfterSecs },
        );
      }
    }
    return next();
  };
}
