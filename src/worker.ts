// Cloudflare Workers entry: the same app once per isolate, database over HTTP, background work via
// waitUntil, periodic jobs (health sweep, checkpoints) from the Cron Trigger. Migrations run out of band.
import { AsyncLocalStorage } from "node:async_hooks";
import { createClient } from "@libsql/client/web";
import type { ExecutionContext } from "hono";
import { type Composition, compose } from "./compose.js";
import { ConfigError, parseConfig } from "./config.js";
import { AppError, errorBody } from "./errors.js";
import { createFetchClient } from "./upstream/fetch-client.js";

type WorkerEnv = Record<string, unknown>;

/** The static-assets binding of wrangler.toml's [assets] (the built dashboard, web/dist). */
interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}

const DASHBOARD = "/dashboard";
/** How often an idle /api/events stream gets a comment line from its own invocation, ms. */
const SSE_KEEPALIVE_MS = 10_000;
const SSE_KEEPALIVE = new TextEncoder().encode(": keep-alive\n\n");

interface Isolate {
  composition: Composition;
  started: Promise<void>;
}

let isolate: Isolate | null = null;
/** The context of the invocation being served; background work is handed to its waitUntil. */
let currentContext: ExecutionContext | null = null;
/** The invocation whose code is running (nodejs_compat); falls back to the latest one. */
const invocation = new AsyncLocalStorage<ExecutionContext>();
/** Finished requests are written this long after the first of a burst (one batch per burst), ms. */
const FLUSH_DELAY_MS = 250;

function stringVariables(env: WorkerEnv): Record<string, string | undefined> {
  const raw: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === "string") raw[name] = value;
  return raw;
}

/** Workers expose env only inside handlers, so dependencies are built on the first invocation. */
function isolateFor(env: WorkerEnv): Isolate {
  if (isolate) return isolate;
  const composition = compose({
    config: parseConfig(stringVariables(env)),
    createLibsqlClient: createClient,
    upstream: createFetchClient(),
    writeLog: (line) => console.log(line),
    clock: { now: () => Date.now(), monotonic: () => performance.now() },
    random: Math.random,
    instanceId: `worker-${crypto.randomUUID().slice(0, 8)}`,
    clientAddress: (c) => c.req.header("cf-connecting-ip") ?? null,
    defer,
    // No timers between invocations: each burst of finished requests schedules its own flush via waitUntil;
    // the cron's flush catches anything left behind.
    flushAfterCompletionMs: FLUSH_DELAY_MS,
  });
  isolate = { composition, started: composition.start() };
  return isolate;
}

function defer(work: Promise<unknown>): void {
  const guarded = work.catch((error: unknown) => console.error("background work failed", error));
  try {
    (invocation.getStore() ?? currentContext)?.waitUntil(guarded);
  } catch {
    // That invocation is over; the promise still runs while the isolate lives.
  }
}

/** A bad configuration fails every request with the OpenAI-shaped 500 (the app, and its error handler, never got built). */
function configErrorResponse(error: ConfigError): Response {
  const appError = new AppError("internal", error.message, { code: "invalid_configuration" });
  return Response.json(errorBody(appError), { status: appError.status });
}

/** /dashboard/* from the assets (built with base "/dashboard/", stored without it); null for other paths. */
function dashboardAsset(request: Request, env: WorkerEnv): Promise<Response> | null {
  const url = new URL(request.url);
  const assets = env.ASSETS as AssetsBinding | undefined;
  if (!assets || !(url.pathname === DASHBOARD || url.pathname.startsWith(`${DASHBOARD}/`))) return null;
  if (url.pathname === DASHBOARD)
    return Promise.resolve(Response.redirect(`${url.origin}${DASHBOARD}/`, 308));
  url.pathname = url.pathname.slice(DASHBOARD.length);
  return assets.fetch(new Request(url, request));
}

/**
 * /api/events on Workers: the events are enqueued by other invocations (the requests that finish), so the
 * SSE invocation itself would have nothing pending and workerd cancels it as hung. A timer of its own keeps
 * it alive (and sends a comment between whole event frames, which also keeps idle connections open).
 */
function keptAlive(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let timer: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        try {
          controller.enqueue(SSE_KEEPALIVE);
        } catch {
          clearInterval(timer);
        }
      }, SSE_KEEPALIVE_MS);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        clearInterval(timer);
        controller.close();
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      clearInterval(timer);
      return reader.cancel(reason);
    },
  });
}

export default {
  async fetch(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
    currentContext = context;
    const asset = dashboardAsset(request, env);
    if (asset) return asset;
    try {
      const { composition, started } = isolateFor(env);
      await started;
      const response = await invocation.run(context, () => composition.app.fetch(request, env, context));
      const eventStream = response.body && new URL(request.url).pathname === "/api/events";
      return eventStream && response.body
        ? new Response(keptAlive(response.body), { status: response.status, headers: response.headers })
        : response;
    } catch (error) {
      if (error instanceof ConfigError) return configErrorResponse(error);
      throw error;
    }
  },

  async scheduled(_controller: unknown, env: WorkerEnv, context: ExecutionContext): Promise<void> {
    currentContext = context;
    const { composition, started } = isolateFor(env);
    await started;
    await invocation.run(context, () =>
      Promise.allSettled(Object.values(composition.jobs).map((job) => job.run())),
    );
  },
};
