// The Node server: reads the environment, builds the app once, serves it. Bundled to
// dist/server-bundle.cjs, started by `node dist/server.js` (src/node-launcher.ts).

import { once } from "node:events";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { fileBatchStoreFor } from "./db/file-batch-store.js";
import { answerClientErrorsAsJson } from "./runtime/client-error.js";
import type { CodeCacheState } from "./runtime/code-cache.js";
import { libsqlClients } from "./runtime/libsql-clients.js";
import { handleShutdownSignals, localParts, nodeClientAddress, startLocal } from "./runtime/local.js";
import { nodeCollectGarbage } from "./runtime/node-gc.js";
import { nodeStreamReplies } from "./runtime/node-stream-reply.js";
import { ranksFileTokenizer } from "./runtime/tokenizer-ranks.js";
import { createUndiciClient } from "./upstream/undici-client.js";

export interface NodeLaunch {
  /** dist/server.js's URL: the dashboard, the migrations and the tokenizer's ranks are found beside it. */
  entryUrl: string;
  codeCache: CodeCacheState;
}

/** Resolves once the server listens; exits the process when it cannot. */
export async function startNodeServer(launch: NodeLaunch): Promise<void> {
  const parts = localParts(process.env, launch.entryUrl, {
    createLibsqlClient: libsqlClients(launch.entryUrl),
    upstream: createUndiciClient({ collectGarbage: nodeCollectGarbage() }),
    clientAddress: nodeClientAddress,
    serveStatic,
  });
  const { config } = parts;
  // Relayed streams are written straight to the connection, not through a web stream (node-stream-reply.ts).
  const streams = nodeStreamReplies();
  parts.streamReply = streams.reply;
  parts.loadTokenizer = ranksFileTokenizer(
    fileURLToPath(new URL("./o200k_base.ranks.json", launch.entryUrl)),
  );
  // A local file: the recorder's batches are written off the event loop (src/db/file-batch-store.ts).
  parts.createBatchStore = fileBatchStoreFor(config);
  const { composition, stopJobs } = await startLocal(parts);

  const { app } = composition;
  const fetch = (request: Request, env: HttpBindings | Http2Bindings) => {
    const answer = app.fetch(request, env);
    return answer instanceof Promise
      ? answer.then((response) => streams.send(response, env.outgoing))
      : streams.send(answer, env.outgoing);
  };

  const server = serve({ fetch, hostname: config.host, port: config.port }, (info) => {
    composition.deps.logger.info("llmlb listening", {
      url: `http://${info.family === "IPv6" ? `[${info.address}]` : info.address}:${info.port}`,
      runtime: `node ${process.version}`,
      code_cache: launch.codeCache,
    });
  }) as Server;

  answerClientErrorsAsJson(server);

  server.on("error", (error) => {
    composition.deps.logger.error("cannot listen", { host: config.host, port: config.port, error });
    process.exit(1);
  });

  handleShutdownSignals(
    composition,
    {
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections that go idle while draining close now, not after the keep-alive timeout.
          const idle = setInterval(() => server.closeIdleConnections(), 100);
          idle.unref();
        }),
      forceClose: () => server.closeAllConnections(),
    },
    stopJobs,
  );
  await once(server, "listening");
}
