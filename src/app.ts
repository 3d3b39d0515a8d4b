// Owns the HTTP composition: request id, access log, error rendering, and the mounted route modules.
import { Hono, type MiddlewareHandler } from "hono";
import { anthropicErrorOf } from "./anthropic/errors.js";
import { auditTrail } from "./audit/middleware.js";
import { authGuard } from "./auth/guard.js";
import type { AppDeps } from "./deps.js";
import { AppError, errorBody, toAppError } from "./errors.js";
import { DASHBOARD_PREFIX } from "./http/dashboard.js";
import { carriesReplyHeaders, securityHeaders } from "./http/security-headers.js";
import { keyLimitGuard } from "./limits/limit-guard.js";
import { anthropicRoutes, isAnthropicPath } from "./routes/anthropic.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { auditLogRoutes } from "./routes/audit-logs.js";
import { authRoutes } from "./routes/auth.js";
import { benchmarkRoutes } from "./routes/benchmarks.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { endpointStatsRoutes } from "./routes/endpoint-stats.js";
import { endpointRoutes } from "./routes/endpoints.js";
import { eventsRoutes } from "./routes/events.js";
import { fleetRoutes } from "./routes/fleet.js";
import { healthRoutes } from "./routes/health.js";
import { invitationRoutes } from "./routes/invitations.js";
import { logRoutes } from "./routes/logs.js";
import { metricsRoutes } from "./routes/metrics.js";
import { modelRoutes } from "./routes/models.js";
import { openaiRoutes } from "./routes/openai.js";
import { openApiRoutes } from "./routes/openapi.js";
import { playgroundRoutes } from "./routes/playground.js";
import { requestLogRoutes } from "./routes/request-log.js";
import { usageRoutes } from "./routes/usage.js";
import { userRoutes } from "./routes/users.js";

declare module "hono" {
  interface ContextVariableMap {
    /** This request's id (the client's valid `x-request-id`, else a new uuid). */
    requestId: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The outermost middleware: the request id, the security headers and the access log in one, since each
 * middleware level costs an async frame per request (Hono's dispatch was ≈ 1 % of busy CPU per level in
 * the bench profile, c=50).
 */
function requestEnvelope(deps: AppDeps): MiddlewareHandler {
  const log = deps.logger;
  const security = securityHeaders();
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    const choosing = security.before(c);
    if (choosing) await choosing;
    const started = deps.clock.monotonic();
    await next();
    // Set on the final response (also one a handler built itself), unless its init carried it already: see
    // withReplyHeaders in http/security-headers.ts for why the proxy's answers must not be touched here.
    if (!carriesReplyHeaders(c) && !c.res.headers.has("x-request-id")) {
      c.res.headers.set("x-request-id", requestId);
    }
    security.after(c);
    log.debug("request", {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((deps.clock.monotonic() - started) * 10) / 10,
    });
  };
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const log = deps.logger;

  app.use(requestEnvelope(deps));

  // State-changing /api calls reach the audit log with their outcome, whatever refused or answered them.
  app.use("/api/*", auditTrail(deps));
  // Every request passes the access table (src/auth/access-rules.ts) before any route module.
  app.use(authGuard(deps));
  // Inference with an API key is admitted against the key's limits (429 rate_limit_exceeded).
  app.use("/v1/*", keyLimitGuard(deps));

  app.route("/", healthRoutes(deps));
  app.route("/", authRoutes(deps));
  app.route("/", apiKeyRoutes(deps));
  app.route("/", userRoutes(deps));
  app.route("/", invitationRoutes(deps));
  app.route("/", auditLogRoutes(deps));
  app.route("/", endpointRoutes(deps));
  app.route("/", modelRoutes(deps));
  app.route("/api/endpoints", endpointStatsRoutes(deps));
  app.route("/", openaiRoutes(deps));
  app.route("/", playgroundRoutes(deps));
  app.route("/", benchmarkRoutes(deps));
  app.route("/", anthropicRoutes(deps));
  app.route("/", eventsRoutes(deps));
  app.route("/", logRoutes(deps));
  app.route("/", dashboardRoutes(deps));
  app.route("/", requestLogRoutes(deps));
  app.route("/", usageRoutes(deps));
  app.route("/", metricsRoutes(deps));
  app.route("/", fleetRoutes(deps));
  app.route("/", openApiRoutes(deps));

  app.get("/", (c) => c.redirect(`${DASHBOARD_PREFIX}/`));
  app.get(DASHBOARD_PREFIX, (c) => c.redirect(`${DASHBOARD_PREFIX}/`));
  if (deps.serveDashboard) app.use(`${DASHBOARD_PREFIX}/*`, deps.serveDashboard);

  app.notFound((c) => {
    const error = new AppError("not_found", `No route for ${c.req.method} ${c.req.path}`, {
      code: "route_not_found",
    });
    return c.json(isAnthropicPath(c.req.path) ? anthropicErrorOf(error) : errorBody(error), 404);
  });

  app.onError((thrown, c) => {
    const error = toAppError(thrown);
    if (error.kind === "internal") {
      log.error("unhandled error", { path: c.req.path, method: c.req.method, error: thrown });
    }
    if (error.retryAfterSecs !== undefined) c.header("retry-after", String(error.retryAfterSecs));
    // Each route family answers in its own error shape (Anthropic's on /v1/messages).
    const body = isAnthropicPath(c.req.path) ? anthropicErrorOf(error) : errorBody(error);
    return c.json(body, error.status as 400);
  });

  return app;
}
