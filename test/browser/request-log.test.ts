// The request log and Usage pages in real Chromium against a real llmlb process (bodies on) and a fake
// upstream: a request's detail opens from the Requests page with its bodies, the CSV export downloads
// with the current filters, and the Usage page shows the API's figures. Screenshots: light, dark, phone.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ClientsJson, TokenTotalsJson } from "../../web/src/api/types.js";
import { launchBrowser, type TestBrowser } from "../fixtures/browser.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { freePort, ROOT, type RunningProcess, runProcess, waitForOk } from "../fixtures/process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

const PASSWORD = "browser-test-password";
const WAIT = { timeout: 20_000 };

describe("request log and usage in Chromium", { timeout: 120_000 }, () => {
  let dir: TempDir;
  let base: string;
  let server: RunningProcess;
  let upstream: InferenceServer;
  let browser: TestBrowser;
  let page: Page;
  let adminToken: string;
  let inferenceKey: string;

  const api = async <T>(path: string, init: { method?: string; body?: unknown; key?: string } = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${init.key ?? adminToken}`, "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const chat = (model: string, content: string, stream = false) =>
    fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${inferenceKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content }], max_tokens: 5, stream }),
    }).then((r) => r.text());

  const signIn = async (path: string) => {
    await page.goto(`${base}/dashboard${path}`);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-connection="live"]').waitFor(WAIT);
  };

  beforeEach(async () => {
    dir = tempDir();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    upstream = await startInferenceServer("vllm", { models: ["chat-model", "=sum"] });
    server = runProcess(process.execPath, [join(ROOT, "dist", "server.js")], {
      LLMLB_PORT: String(port),
      LLMLB_HOST: "127.0.0.1",
      LLMLB_DATA_DIR: dir.path,
      LLMLB_ADMIN_PASSWORD: PASSWORD,
      LLMLB_LOG_LEVEL: "warn",
      LLMLB_LOG_BODIES: "1",
    });
    await waitForOk(`${base}/ready`, server);
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
    });
    adminToken = ((await login.json()) as { token: string }).token;
    inferenceKey = (
      await api<{ key: string }>("/api/api-keys", {
        method: "POST",
        body: { name: "team-a", permissions: ["openai.inference"] },
      })
    ).key;
    await api("/api/endpoints", { method: "POST", body: { name: "gpu-1", base_url: upstream.url } });
    await chat("chat-model", "what is the capital of France?");
    await chat("chat-model", "stream me", true);
    await chat("=sum", "formula");
    await expect
      .poll(
        async () => (await api<{ total_count: number }>("/api/dashboard/request-responses")).total_count,
        WAIT,
      )
      .toBe(3);
    browser = await launchBrowser();
    page = browser.page;
  }, 60_000);

  afterEach(async () => {
    const errors = browser?.errors ?? [];
    await browser?.close();
    await server?.stop("SIGKILL");
    await upstream?.stop();
    dir?.remove();
    expect(errors).toEqual([]);
  });

  it("opens a request's detail with its bodies and attempts, and exports the filtered log as CSV", async () => {
    await signIn("/requests");
    const opener = page.locator("[data-open-request]");
    await opener.first().waitFor(WAIT);
    // The oldest row is the non-streamed question.
    await opener.last().click();
    const drawer = page.locator("[data-request-detail]");
    await drawer.waitFor(WAIT);
    await drawer.locator('pre[data-body="Request"]').waitFor(WAIT);
    expect(await drawer.locator('pre[data-body="Request"]').innerText()).toContain(
      '"content": "what is the capital of France?"',
    );
    expect(await drawer.innerText()).toContain("team-a");
    expect(await drawer.locator(".attempts li").first().innerText()).toContain("gpu-1");
    expect(await drawer.locator("[data-tokens]").innerText()).toBe("11 in → 5 out");
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await browser.screenshot(`request-detail-${scheme}`);
    }
    // Collapsible: closing the request block hides its text.
    await drawer.locator("details.body-block summary").first().click();
    expect(await drawer.locator('pre[data-body="Request"]').isVisible()).toBe(false);
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "detached", ...WAIT });

    // The streamed answer is stored reassembled.
    await opener.nth(1).click();
    await drawer.locator('pre[data-body="Response"]').waitFor(WAIT);
    const response = await drawer.locator('pre[data-body="Response"]').innerText();
    expect(response).toContain('"reassembled_from_stream": true');
    expect(response).not.toContain("data:");
    await page.keyboard.press("Escape");

    // Export with the current filter (model) applied.
    await page.getByLabel("Model").fill("chat-model");
    await page.getByLabel("Model").press("Tab");
    await page.locator("[data-open-request]").nth(1).waitFor(WAIT);
    await expect.poll(() => page.locator("[data-open-request]").count(), WAIT).toBe(2);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-export="csv"]')]);
    const path = await download.path();
    const rows = parse(readFileSync(path as string, "utf8"), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row.model)).toEqual(["chat-model", "chat-model"]);
    expect(download.suggestedFilename()).toMatch(/^llmlb-requests-.*\.csv$/);
  });

  it("shows the Usage page's figures as the API reports them (light, dark, phone)", async () => {
    const totals = await api<TokenTotalsJson>("/api/dashboard/stats/tokens");
    const keys = await api<ClientsJson>("/api/dashboard/clients?group_by=api_key");
    await signIn("/usage");
    await page.locator("[data-token-totals]").waitFor(WAIT);
    expect(await page.locator('[data-total="requests"]').innerText()).toBe(String(totals.total_requests));
    expect(await page.locator('[data-total="input"]').innerText()).toBe(String(totals.total_input_tokens));
    expect(await page.locator('[data-total="output"]').innerText()).toBe(String(totals.total_output_tokens));
    const keyRow = page.locator('[data-clients="api_key"] tbody tr').first();
    expect(await keyRow.innerText()).toContain("team-a");
    expect(await keyRow.innerText()).toContain(String(keys.clients[0]?.requests));
    expect(await page.locator('[data-clients="ip"] tbody tr').first().innerText()).toContain("127.0.0.1");
    const now = new Date();
    const hot = page.locator(".heatmap .cell").nth(now.getUTCDay() * 24 + now.getUTCHours());
    expect(await hot.getAttribute("data-heat")).toBe("3");
    expect(await page.locator(".uplot").count()).toBe(2);
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await browser.screenshot(`usage-${scheme}`);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator("[data-token-totals]").waitFor(WAIT);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await browser.screenshot("usage-phone");
  });
});
