// Accounts through the dashboard in Chromium: a generated admin password must be replaced first, logout
// returns to the sign-in page, a wrong password says so, and API keys are created (shown once) and deleted.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../fixtures/browser.js";
import { freePort, ROOT, type RunningProcess, runProcess, waitForOk } from "../fixtures/process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

const WAIT = { timeout: 15_000 };

describe("dashboard sign-in and API keys in Chromium", { timeout: 60_000 }, () => {
  // Every test starts its own server (own database) and browser, so one failure never cascades.
  let dir: TempDir;
  let base: string;
  let server: RunningProcess;
  let browser: TestBrowser;
  let page: Page;

  /** A fresh server: with `password` as the admin's, or (none) with a generated one, which it returns. */
  const start = async (password?: string): Promise<string> => {
    dir = tempDir();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = runProcess(process.execPath, [join(ROOT, "dist", "server.js")], {
      LLMLB_PORT: String(port),
      LLMLB_HOST: "127.0.0.1",
      LLMLB_DATA_DIR: dir.path,
      ...(password === undefined ? {} : { LLMLB_ADMIN_PASSWORD: password }),
    });
    await waitForOk(`${base}/ready`, server);
    browser = await launchBrowser();
    page = browser.page;
    if (password !== undefined) return password;
    // No LLMLB_ADMIN_PASSWORD: the first start generates one and logs it once.
    const line = server
      .output()
      .split("\n")
      .map((text) => (text.startsWith("{") ? (JSON.parse(text) as { msg?: string; password?: string }) : {}))
      .find((entry) => entry.msg === "generated admin password");
    const generated = line?.password ?? "";
    expect(generated.length).toBeGreaterThan(8);
    return generated;
  };

  /** Console errors that are Content-Security-Policy violations (401s of a wrong password are expected). */
  const cspViolations = () =>
    (browser?.errors ?? []).filter((error) => /CSP violation|Content Security Policy/i.test(error));

  afterEach(async () => {
    const violations = cspViolations();
    await browser?.close();
    await server?.stop("SIGKILL");
    dir?.remove();
    expect(violations).toEqual([]);
  });

  const signIn = async (password: string) => {
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
  };

  /** Given: an admin with a chosen password, signed in on the dashboard. */
  const signedIn = async () => {
    const password = await start("a-new-password-1");
    await page.goto(`${base}/`);
    await signIn(password);
    await page.getByRole("button", { name: "Log out" }).waitFor(WAIT);
  };

  it("a wrong password is refused with a message on the sign-in page", async () => {
    await start();
    await page.goto(`${base}/`);
    await signIn("not-the-password");
    const message = page.getByRole("alert");
    await message.waitFor(WAIT);
    expect(await message.innerText()).not.toBe("");
    expect(await page.getByRole("button", { name: "Sign in" }).isVisible()).toBe(true);
  });

  it("with the generated password the admin must choose a new one, then reaches the dashboard", async () => {
    const generated = await start();
    await page.goto(`${base}/`);
    await signIn(generated);
    await page.getByRole("form", { name: "Change password" }).waitFor(WAIT);
    await page.getByLabel("Current password").fill(generated);
    await page.getByLabel("New password", { exact: true }).fill("a-new-password-1");
    await page.getByLabel("Repeat new password").fill("a-new-password-2");
    await page.getByRole("button", { name: "Save password" }).click();
    expect(await page.getByRole("alert").innerText()).toContain("do not match");

    await page.getByLabel("Repeat new password").fill("a-new-password-1");
    await page.getByRole("button", { name: "Save password" }).click();
    await page.getByRole("button", { name: "Log out" }).waitFor(WAIT);
    expect(await page.getByRole("link", { name: "API keys" }).isVisible()).toBe(true);
  });

  it("logging out returns to the sign-in page, and the new password then signs straight in", async () => {
    await signedIn();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor(WAIT);
    // The server forgot the session (logout sent its CSRF header), not just the page.
    expect(await page.evaluate(async () => (await fetch("/api/auth/me")).status)).toBe(401);
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor(WAIT);
    await signIn("a-new-password-1");
    await page.getByRole("button", { name: "Log out" }).waitFor(WAIT);
    expect(await page.getByRole("form", { name: "Change password" }).count()).toBe(0);
  });

  it("an admin creates an API key that is shown once with a copy button, works on /v1, and is gone after delete", async () => {
    await signedIn();
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByText("No API keys yet").waitFor(WAIT);
    await page.getByLabel("Name").fill("browser-key");
    await page.getByLabel("Queue priority").selectOption("batch");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.locator("[data-shown-once]");
    await shown.waitFor(WAIT);
    const key = await shown.innerText();
    expect(key).toMatch(/^sk_[A-Za-z0-9_-]{32,}$/);
    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor(WAIT);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    const models = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(200);

    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.locator("[data-shown-once]").count()).toBe(0);
    const row = page.locator("tr", { hasText: "browser-key" });
    await row.waitFor(WAIT);
    expect(await row.innerText()).not.toContain(key);
    expect(await row.locator("[data-cell=priority]").innerText()).toBe("batch");
    await row.getByRole("button", { name: "Delete" }).click();
    await row.getByRole("button", { name: "Delete" }).click(); // the confirmation
    await page.getByText("No API keys yet").waitFor(WAIT);
    const after = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(after.status).toBe(401);
  });

  it("a key created with an expiry date is accepted and lists that date", async () => {
    await signedIn();
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByText("No API keys yet").waitFor(WAIT);
    await page.getByLabel("Name").fill("expiring-key");
    await page.getByLabel("Expires (optional)").fill("2099-12-31");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.locator("[data-shown-once]").waitFor(WAIT);
    await page.getByRole("button", { name: "Done" }).click();
    const row = page.locator("tr", { hasText: "expiring-key" });
    await row.waitFor(WAIT);
    const shown = await row.locator('[data-label="Expires"]').innerText();
    expect(shown).toBe(await page.evaluate(() => new Date("2099-12-31T23:59:59").toLocaleDateString()));
  });

  it("runs under the Content-Security-Policy without a violation", async () => {
    await signedIn();
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByText("No API keys yet").waitFor(WAIT);
    const served = await fetch(`${base}/dashboard/`);
    expect(served.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    // Every test also checks its own run for violations (afterEach).
    expect(cspViolations()).toEqual([]);
  });
});
