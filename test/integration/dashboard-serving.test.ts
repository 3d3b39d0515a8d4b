// The built dashboard served by the app: / redirects, /dashboard/ is the SPA, assets have real types.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../fixtures/process.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

describe("dashboard serving", () => {
  let app: TestApp;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, "web", "dist", "index.html")))
      throw new Error("web/dist is missing: run `npm run build` first (npm test does)");
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it("redirects / to /dashboard/", async () => {
    const response = await fetch(`${app.url}/`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/dashboard/");
  });

  it("serves the dashboard's HTML at /dashboard/ and its script with a JavaScript content type", async () => {
    const response = await fetch(`${app.url}/dashboard/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<div id="app">');
    const script = html.match(/src="(\/dashboard\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${app.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/^(text|application)\/javascript/);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const code = await asset.text();
    expect(code.length).toBeGreaterThan(1000);
    // A production build publishes no source map: none is referenced, built or served.
    expect(code.includes("sourceMappingURL")).toBe(false);
    expect((await fetch(`${app.url}${script}.map`)).status).toBe(404);
    expect(readdirSync(join(ROOT, "web", "dist", "assets")).filter((name) => name.endsWith(".map"))).toEqual(
      [],
    );
  });

  it("answers a client-side route under /dashboard/ with index.html, and a missing file with 404", async () => {
    const route = await fetch(`${app.url}/dashboard/endpoints/some-id`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<div id="app">');
    const missing = await fetch(`${app.url}/dashboard/assets/nope-123.js`);
    expect(missing.status).toBe(404);
  });
});
