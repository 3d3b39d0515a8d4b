// Owns the Node and Bun entries' libSQL clients: a local file (the default) needs only the driver's SQLite
// client; the remote clients (HTTP, and WebSocket with the ws package) load when a remote URL is first
// opened. Measured reason: loading @libsql/client's index pulled in hrana-client, ws and the HTTP client,
// ≈ 8 % of a restart's main-thread CPU (profile of `node dist/server.js` to /ready) for a file database;
// restart → /ready 327 → 299 ms on Node, 305 → 283 ms on Bun (medians of alternated restarts), Bun's
// idle RSS 68.4 → 66.7 MiB.
import { createRequire } from "node:module";
import { createClient as createFileClient } from "@libsql/client/sqlite3";
import type { CreateLibsqlClient } from "../db/client.js";

/** The URLs @libsql/client hands to its SQLite client (it lower-cases the scheme). */
const LOCAL_URL = /^(file:|:memory:)/i;

/** `entryUrl`: where @libsql/client is resolved from when a remote URL needs it. */
export function libsqlClients(entryUrl: string): CreateLibsqlClient {
  let remote: CreateLibsqlClient | undefined;
  return (config) => {
    if (LOCAL_URL.test(config.url)) return createFileClient(config);
    remote ??= (createRequire(entryUrl)("@libsql/client") as typeof import("@libsql/client")).createClient;
    return remote(config);
  };
}
