// A cloud endpoint added through the dashboard in Chromium: the form's cloud mode (key required, URL optional),
// then the endpoints list shows it with its type, online through its key, and its detail lists the provider's
// models — against a fake OpenAI-compatible cloud on 127.0.0.1 that refuses requests without the key.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../fixtures/browser.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from "../fixtures/test-app.js";

const WAIT = { timeout: 15_000 };
const CLOUD_KEY = "sk-cloud-browser";

describe("a cloud endpoint on the dashboard in Chromium", { timeout: 90_000 }, () => {
  let app: TestApp;
  let cloud: InferenceServer;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    cloud = await startInferenceServer("openai", { models: ["gpt-4o-mini"], apiKey: CLOUD_KEY });
    app = await startTestApp();
    browser = await launchBrowser();
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await cloud?.stop();
  });

  it("adds an openai endpoint with its key and lists it with its type, online, with its models", async () => {
    await page.goto(`${app.url}/dashboard/`);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password", { exact: true }).fill(TEST_ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("No endpoints yet").waitFor(WAIT);

    await page.getByRole("button", { name: "Add endpoint" }).click();
    const form = page.getByRole("form", { name: "Add endpoint" });
    await form.locator('select[name="endpoint_type"]').selectOption("openai");
    // Cloud mode: the provider's URL is the default, the key is what the browser insists on.
    await form.getByText("Base URL (optional: the provider's API)").waitFor(WAIT);
    expect(await form.locator('input[name="base_url"]').getAttribute("required")).toBeNull();
    expect(await form.locator('input[name="api_key"]').getAttribute("required")).not.toBeNull();
    await form.locator('input[name="name"]').fill("openai-main");
    await form.locator('input[name="base_url"]').fill(cloud.url);
    await form.locator('input[name="api_key"]').fill(CLOUD_KEY);
    await form.getByRole("button", { name: "Add endpoint" }).click();

    const row = page.locator("tr[data-endpoint-id]", { hasText: "openai-main" });
    await row.waitFor(WAIT);
    await row.locator('[data-status="online"]').waitFor(WAIT);
    expect(await row.locator('td[data-label="Type"]').innerText()).toBe("openai");
    expect(await row.innerText()).toContain(cloud.url);
    expect(await page.content()).not.toContain(CLOUD_KEY);
    // Online because the probes carried the key (the fake answers 401 without it).
    const probes = cloud.requests.filter((request) => request.path === "/v1/models");
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((request) => request.headers.authorization === `Bearer ${CLOUD_KEY}`)).toBe(true);

    await row.locator("a").first().click();
    const detail = page.locator("[data-endpoint-detail]");
    await detail.locator('tr[data-model="gpt-4o-mini"]').waitFor(WAIT);
    await browser.screenshot("cloud-endpoint");
    expect(browser.errors).toEqual([]);
  });
});
