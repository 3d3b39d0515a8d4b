// Owns the security headers on every response (hono/secure-headers): a CSP the dashboard works under (its
// own scripts, styles, images and API only), nosniff, no framing, no referrer; HSTS only over HTTPS.
import { type Context, Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { requestIsHttps } from "../auth/guard.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The security headers this request's response carries (shared, read-only; see securityHeadersOf). */
    securityHeaders: Readonly<Record<string, string>>;
    /** The response whose init already carried them and x-request-id (see withReplyHeaders). */
    completeReply: Response;
  }
}

/** One year, the usual HSTS lifetime. */
const HSTS = "max-age=31536000; includeSubDomains";

const OPTIONS: Parameters<typeof secureHeaders>[0] = {
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    // The dashboard sets styles only through the CSSOM (Preact style props, uPlot), which CSP allows.
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  // Added below, and only when the client reached us over HTTPS (directly or via a proxy that says so).
  strictTransportSecurity: false,
};

/** The fixed header set, lower-case names: over plain HTTP, and over HTTPS (plus HSTS). */
type HeaderSets = readonly [http: Readonly<Record<string, string>>, https: Readonly<Record<string, string>>];

/**
 * hono/secure-headers stays the source of the values: its middleware runs once on a throwaway app and the
 * headers it set are kept (they depend on the options only, never on the request: no CSP nonce).
 */
async function captureHeaderSets(): Promise<HeaderSets> {
  const probe = new Hono();
  probe.use(secureHeaders(OPTIONS));
  probe.get("/", (c) => c.body(null));
  const response = await probe.request("/");
  const http: Record<string, string> = {};
  for (const [name, value] of response.headers) http[name] = value;
  return [Object.freeze(http), Object.freeze({ ...http, "strict-transport-security": HSTS })];
}

/**
 * The security headers for this request. A handler that builds its own Response may put them into its init
 * (after anything it relays, so they win; never relaying `x-powered-by`, which the middleware removes)
 * together with x-request-id, and mark it with withReplyHeaders: the middlewares then leave it alone.
 */
export function securityHeadersOf(c: Context): Readonly<Record<string, string>> {
  return c.get("securityHeaders");
}

/**
 * Marks `response` as built with securityHeadersOf(c) and the request's x-request-id in its init: the
 * middlewares then leave its headers alone. Measured (CPU profile, bench c=50, Node): setting the ten headers
 * on `c.res.headers` after the handler made @hono/node-server materialise a web Headers per response,
 * validate every set and convert it back for writeHead — ≈ 5 % of busy samples; a plain-object init keeps
 * its fast path.
 */
export function withReplyHeaders(c: Context, response: Response): Response {
  c.set("completeReply", response);
  return response;
}

/** True when the final response is the one marked by withReplyHeaders (its headers need nothing more). */
export function carriesReplyHeaders(c: Context): boolean {
  return c.get("completeReply") === c.res;
}

/**
 * The security headers as two steps around the rest of the request (called by the app's outermost
 * middleware, so that they cost no middleware level of their own): `before` picks this request's set (a
 * promise only on the very first request, while the set is read off hono/secure-headers), `after` puts it on
 * the final response unless withReplyHeaders marked it as carrying them already.
 */
export interface SecurityHeaders {
  before(c: Context): Promise<void> | undefined;
  after(c: Context): void;
}

export function securityHeaders(): SecurityHeaders {
  let sets: HeaderSets | undefined;
  // Started by the first request (not at import: a Worker may not run async work at global scope).
  let capturing: Promise<HeaderSets> | undefined;
  const choose = (c: Context, ready: HeaderSets) => {
    c.set("securityHeaders", requestIsHttps(c) ? ready[1] : ready[0]);
  };
  return {
    before(c) {
      if (sets) return void choose(c, sets);
      capturing ??= captureHeaderSets();
      return capturing.then((ready) => {
        sets = ready;
        choose(c, ready);
      });
    },
    after(c) {
      if (carriesReplyHeaders(c)) return;
      // What hono/secure-headers does: overwrite whatever the handler set, and drop X-Powered-By.
      const headers = c.get("securityHeaders");
      const target = c.res.headers;
      for (const name in headers) target.set(name, headers[name] as string);
      target.delete("x-powered-by");
    },
  };
}
