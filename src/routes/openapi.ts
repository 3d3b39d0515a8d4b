// Owns GET /api/openapi.json (the OpenAPI 3.1 document, built once per app from src/openapi/) and
// GET /api/docs (Swagger UI, its files served from the dashboard build under /dashboard/api-docs/; no inline
// script, so it runs under the app-wide CSP of src/http/security-headers.ts). Public.
import { Hono } from "hono";
import packageJson from "../../package.json" with { type: "json" };
import type { AppDeps } from "../deps.js";
import { DASHBOARD_PREFIX } from "../http/dashboard.js";
import { openApiDocument } from "../openapi/document.js";

/** Where scripts/build.mjs puts swagger-ui-dist's files and web/public/api-docs/init.js. */
export const DOCS_ASSETS = `${DASHBOARD_PREFIX}/api-docs`;

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>llmlb API reference</title>
<link rel="icon" type="image/png" href="${DOCS_ASSETS}/favicon-32x32.png">
<link rel="stylesheet" href="${DOCS_ASSETS}/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="${DOCS_ASSETS}/swagger-ui-bundle.js"></script>
<script src="${DOCS_ASSETS}/init.js"></script>
</body>
</html>
`;

export function openApiRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get("/api/openapi.json", (c) => {
    document ??= openApiDocument(deps.config, packageJson.version);
    return c.json(document);
  });
  app.get("/api/docs", (c) => c.html(DOCS_HTML));
  return app;
}
