// Owns how the built dashboard (web/dist) is served under /dashboard/: files, SPA fallback, cache policy.
// Runtime-agnostic: each entry passes its own static-file middleware factory (Node, Bun).
import type { Context, MiddlewareHandler } from "hono";

/** The subset of Hono's serveStatic options that both @hono/node-server and hono/bun accept. */
export interface StaticOptions {
  root: string;
  path?: string;
  rewriteRequestPath?: (path: string) => string;
}
export type StaticFactory = (options: StaticOptions) => MiddlewareHandler;

export const DASHBOARD_PREFIX = "/dashboard";

/** A last path segment with an extension names a file; anything else is a client-side route. */
const FILE_LIKE = /\/[^/]*\.[A-Za-z0-9]+$/;

async function tryServe(middleware: MiddlewareHandler, c: Context): Promise<Response | undefined> {
  let missed = false;
  const response = await middleware(c, async () => {
    missed = true;
  });
  return missed || !(response instanceof Response) ? undefined : response;
}

/**
 * Serves files from `root` for GET/HEAD /dashboard/*. Hashed assets are immutable; index.html is always
 * revalidated so a new build is picked up. Unknown client routes get index.html; unknown files fall through
 * (404).
 */
export function dashboardFiles(serveStatic: StaticFactory, root: string): MiddlewareHandler {
  const files = serveStatic({
    root,
    rewriteRequestPath: (path) => path.slice(DASHBOARD_PREFIX.length) || "/",
  });
  const index = serveStatic({ root, path: "index.html" });
  return async (c, next) => {
    const file = await tryServe(files, c);
    if (file) {
      const immutable = c.req.path.startsWith(`${DASHBOARD_PREFIX}/assets/`);
      file.headers.set("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
      return file;
    }
    if (FILE_LIKE.test(c.req.path)) return next();
    const html = await tryServe(index, c);
    if (!html) return next();
    html.headers.set("cache-control", "no-cache");
    return html;
  };
}
