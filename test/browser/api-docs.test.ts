// /api/docs in real Chromium: Swagger UI (served from the dashboard build) renders llmlb's OpenAPI document
// under the app's Content-Security-Policy, with no console errors (a CSP violation is one).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../fixtures/browser.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("/api/docs", () => {
  it("renders every tag and operation of the document", async () => {
    const { page } = browser;
    const response = await page.goto(`${app.url}/api/docs`);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.getByRole("heading", { name: /llmlb/ }).first().waitFor({ timeout: 30_000 });
    for (const tag of ["Endpoints", "API keys", "OpenAI-compatible", "Dashboard"]) {
      await expect(page.locator(`h3:has-text("${tag}")`).first().isVisible()).resolves.toBe(true);
    }
    await expect(
      page.locator(".opblock-summary-path", { hasText: "/api/endpoints/{id}/sync" }).count(),
    ).resolves.toBe(1);
    await browser.screenshot("api-docs");
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
