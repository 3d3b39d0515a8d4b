// Cloudflare Workers entry: the same app once per isolate, database over HTTP, background work via
// waitUntil, periodic jobs (health sweep, checkpoints) from the Cron Trigger. Migrations run out of band.
import { createClient } from "@libsql/client/web";
import type { ExecutionContext } from "hono";
import { type Composition, compose } from "./compose.js";
import { ConfigError, parseConfig } from "./config.js";
import { createFetchClient } from "./upstream/fetch-client.js";

type WorkerEnv = Record<string, unknown>;

interface Isolate {
  composition: Composition;
  started: Promise<void>;
}

let isolate: Isolate | null = null;
/** The context of the invocation being served; background work is handed to its waitUntil. */
let currentContext: ExecutionContext | null = null;

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
    defer: (work) => {
      const guarded = work.catch((error: unknown) => console.error("background work failed", error));
      if (currentContext) currentContext.waitUntil(guarded);
    },
  });
  isolate = { composition, started: composition.start() };
  return isolate;
}

function configErrorResponse(error: ConfigError): Response {
  const body = { error: { message: error.message, type: "server_error", code: "invalid_configuration" } };
  return new Response(JSON.stringify(body), { status: 500, headers: { "content-type": "application/json" } });
}

export default {
  async fetch(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
    currentContext = context;
    try {
      const { composition, started } = isolateFor(env);
      await started;
      return await composition.app.fetch(request, env, context);
    } catch (error) {
      if (error instanceof ConfigError) return configErrorResponse(error);
      throw error;
    }
  },

  async scheduled(_controller: unknown, env: WorkerEnv, context: ExecutionContext): Promise<void> {
    currentContext = context;
    const { composition, started } = isolateFor(env);
    await started;
    await Promise.allSettled(composition.jobs.map((job) => job.run()));
  },
};
