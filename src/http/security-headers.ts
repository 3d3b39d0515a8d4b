// Owns the security headers on every response (hono/secure-headers): a CSP the dashboard works under (its
// own scripts, styles, images and API only), nosniff, no framing, no referrer; HSTS only over HTTPS.
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { requestIsHttps } from "../auth/guard.js";

/** One year, the usual HSTS lifetime. */
const HSTS = "max-age=31536000; includeSubDomains";

export function securityHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
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
    // Sent below, and only when the client reached us over HTTPS (directly or via a proxy that says so).
    strictTransportSecurity: false,
  });
  return async (c, next) => {
    await headers(c, next);
    if (requestIsHttps(c)) c.res.headers.set("strict-transport-security", HSTS);
  };
}
