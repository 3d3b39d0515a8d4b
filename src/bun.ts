// Bun entry: the same app under Bun.serve, with Bun's fetch as the upstream client.
import { serveStatic } from "hono/bun";
import { fileBatchStoreFor } from "./db/file-batch-store.js";
import { libsqlClients } from "./runtime/libsql-clients.js";
import { handleShutdownSignals, localParts, startLocal } from "./runtime/local.js";
import { createFetchClient } from "./upstream/fetch-client.js";

interface BunServer {
  requestIP(request: Request): { address: string } | null;
}

declare const Bun: {
  env: Record<string, string | undefined>;
  version: string;
  /** false: starts a collection without waiting for it. */
  gc(force: boolean): void;
  serve(options: {
    fetch: (request: Request, server: BunServer) => Response | Promise<Response>;
    hostname: string;
    port: number;
    idleTimeout: number;
  }): { port: number; hostname: string; stop(closeActive?: boolean): Promise<void>; pendingRequests: number };
};

const parts = localParts(Bun.env, import.meta.url, {
  createLibsqlClient: libsqlClients(import.meta.url),
  upstream: createFetchClient(fetch, { collectGarbage: () => Bun.gc(false) }),
  clientAddress: (c) => {
    const server = (c.env as { bunServer?: BunServer } | undefined)?.bunServer;
    return server?.requestIP(c.req.raw)?.address ?? null;
  },
  serveStatic,
});
const { config } = parts;
// A local file: the recorder's batches are written off the event loop (src/db/file-batch-store.ts), as on
// Node. Measured reason (bench section 1, Bun CPU profile at c=50): in process, @libsql/client's statements
// were ≈ 14 % of the event loop's busy time.
parts.createBatchStore = fileBatchStoreFor(config);
const { composition, stopJobs } = await startLocal(parts);

// idleTimeout 0: Bun's default 10 s idle cut would kill SSE streams and slow first tokens.
const server = Bun.serve({
  fetch: (request, bunServer) => composition.app.fetch(request, { bunServer }),
  hostname: config.host,
  port: config.port,
  idleTimeout: 0,
});
composition.deps.logger.info("llmlb listening", {
  url: `http://${server.hostname}:${server.port}`,
  runtime: `bun ${Bun.version}`,
});

handleShutdownSignals(
  composition,
  {
    close: () => server.stop(false),
    forceClose: () => void server.stop(true),
  },
  stopJobs,
);
