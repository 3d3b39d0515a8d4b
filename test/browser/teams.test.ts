// Teams through the dashboard in Chromium: an admin invites someone, they register from the link, sign in,
// create their own key (viewer permissions only) and use it with the openai SDK; the admin limits that key,
// manages the user, and finds all of it in the audit log, whose chain verifies.
import OpenAI from "openai";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../fixtures/browser.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from "../fixtures/test-app.js";

const WAIT = { timeout: 15_000 };
const VIEWER = { username: "rosa", password: "rosa-chose-this-1" };

describe("users, invitations, own keys and the audit log in Chromium", { timeout: 90_000 }, () => {
  let app: TestApp;
  let upstream: InferenceServer;
  let browser: TestBrowser;
  let page: Page;
  let invitationLink = "";
  let viewerKey = "";

  beforeAll(async () => {
    upstream = await startInferenceServer("openai", { models: ["team-model"] });
    app = await startTestApp();
    await registerEndpoint(app, "gpu", upstream.url);
    browser = await launchBrowser();
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await upstream?.stop();
  });

  const signIn = async (username: string, password: string) => {
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Log out" }).waitFor(WAIT);
  };
  const signOut = async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor(WAIT);
  };

  it("the admin creates an invitation; its link is shown once and listed as pending", async () => {
    await page.goto(`${app.url}/dashboard/`);
    await signIn("admin", TEST_ADMIN_PASSWORD);
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("button", { name: "Create invitation" }).click();
    const shown = page.locator("[data-shown-once]");
    await shown.waitFor(WAIT);
    invitationLink = await shown.innerText();
    expect(invitationLink).toMatch(/\/dashboard\/register\?code=inv_[A-Za-z0-9_-]{32}$/);
    await page.getByRole("button", { name: "Copy" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(invitationLink);
    await page.getByRole("button", { name: "Done" }).click();
    expect(await shown.count()).toBe(0);
    const row = page.locator("tr", { hasText: "pending" });
    await row.waitFor(WAIT);
    expect(await row.innerText()).toContain("viewer");
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await browser.screenshot(`teams-users-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await signOut();
  });

  it("the link opens the registration page; a weak password is refused with the rule; then the account exists", async () => {
    await page.goto(invitationLink);
    await page.getByRole("form", { name: "Register" }).waitFor(WAIT);
    expect(await page.getByLabel("Invitation code").inputValue()).toMatch(/^inv_/);
    await page.getByLabel("Username").fill(VIEWER.username);
    await page.getByLabel("Password", { exact: true }).fill("aaaaaaaaaa");
    await page.getByLabel("Repeat password").fill("aaaaaaaaaa");
    await page.getByRole("button", { name: "Create account" }).click();
    expect(await page.getByRole("alert").innerText()).toContain("5 different characters");

    await page.getByLabel("Password", { exact: true }).fill(VIEWER.password);
    await page.getByLabel("Repeat password").fill(VIEWER.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText(`Account ${VIEWER.username} created`).waitFor(WAIT);
    expect(await page.getByLabel("Username").inputValue()).toBe(VIEWER.username);
  });

  it("at the first sign-in the viewer creates its own key (only viewer permissions offered) and uses it", async () => {
    await page.getByLabel("Password", { exact: true }).fill(VIEWER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "My keys" }).click();
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
    const offered = await page.locator(".permissions label").allInnerTexts();
    expect(offered.map((text) => text.trim())).toEqual(["openai.inference", "openai.models.read"]);
    await page.getByLabel("Name").fill("rosa-laptop");
    await page.getByLabel("Requests / minute").fill("100");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.locator("[data-shown-once]");
    await shown.waitFor(WAIT);
    viewerKey = await shown.innerText();
    await page.getByRole("button", { name: "Done" }).click();

    const client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: viewerKey, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: "team-model",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    await browser.screenshot("teams-my-keys-light");
    await signOut();
  });

  it("the admin sets a daily token limit on that key from the API keys page; the SDK then gets 429", async () => {
    await signIn("admin", TEST_ADMIN_PASSWORD);
    await page.getByRole("link", { name: "API keys" }).click();
    const row = page.locator("tr", { hasText: "rosa-laptop" });
    await row.waitFor(WAIT);
    expect(await row.innerText()).toContain("rosa");
    expect(await row.innerText()).toContain("100 req/min");
    await row.getByRole("button", { name: "Edit limits of rosa-laptop" }).click();
    await page
      .getByRole("form", { name: "Limits of rosa-laptop" })
      .getByLabel("Output tokens / day (UTC)")
      .fill("1");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Limits of rosa-laptop saved").waitFor(WAIT);
    // The first request used 8 output tokens: over a limit of 1.
    const client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: viewerKey, maxRetries: 0 });
    const refused = await client.chat.completions
      .create({ model: "team-model", messages: [{ role: "user", content: "again" }] })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).code).toBe("rate_limit_exceeded");
  });

  it("the admin finds the viewer's registration, sign-in and key in the audit log, filters it, and verifies the chain", async () => {
    await page.getByRole("link", { name: "Audit log" }).click();
    const table = page.locator("table.audit");
    await table.waitFor(WAIT);
    for (const action of ["auth.register", "api_key.create", "api_key.update", "invitation.create"]) {
      expect(await table.innerText()).toContain(action);
    }
    await page.getByLabel("Actor").fill(VIEWER.username);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForFunction(
      () => !document.querySelector("table.audit")?.textContent?.includes("invitation.create"),
    );
    const rows = await table.locator("tbody tr").allInnerTexts();
    // The refused registration (weak password), the registration, the first sign-in, the key, the sign-out.
    expect(rows.length).toBe(5);
    expect(rows.every((text) => text.includes(VIEWER.username))).toBe(true);

    await page.getByRole("button", { name: "Verify chain" }).click();
    const result = page.locator("[data-verify]");
    await result.waitFor(WAIT);
    expect(await result.getAttribute("data-verify")).toBe("valid");
    expect(await result.innerText()).toMatch(/Chain intact: \d+ entries checked/);
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await browser.screenshot(`teams-audit-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("disabling the viewer on the Users page ends the key at once; on a phone the tables stack (screenshot)", async () => {
    await page.getByRole("link", { name: "Users" }).click();
    const row = page.locator("tr", { hasText: VIEWER.username });
    await row.getByRole("button", { name: "Disable" }).click();
    await row.getByText("disabled", { exact: true }).waitFor(WAIT);
    const models = await fetch(`${app.url}/v1/models`, { headers: { authorization: `Bearer ${viewerKey}` } });
    expect(models.status).toBe(401);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.locator("table.audit").waitFor(WAIT);
    // Only the newest entries, so the screenshot stays readable.
    await page.getByLabel("Action").fill("user");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForFunction(
      () => !document.querySelector("table.audit")?.textContent?.includes("auth.login"),
    );
    await browser.screenshot("teams-audit-phone");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole("link", { name: "Users" }).click();
    await page.locator("tr", { hasText: VIEWER.username }).first().waitFor(WAIT);
    await browser.screenshot("teams-users-phone");
    // Chromium logs the one deliberately refused registration (400); nothing else went wrong.
    expect(browser.errors).toEqual([expect.stringContaining("400 (Bad Request) (http://127.0.0.1")]);
    expect(browser.errors[0]).toContain("/api/auth/register");
  });
});
