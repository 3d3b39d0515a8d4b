// The playground, benchmarks and log pages in real Chromium against a real llmlb process and two fake
// vLLM servers: a streamed answer appears token by token with its endpoint and speed, Markdown is rendered
// without raw HTML, compare shows two answers, a benchmark run completes with its chart, and the log page
// shows a line produced by a request. Screenshots in light, dark and phone width.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../fixtures/browser.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { freePort, ROOT, type RunningProcess, runProcess, waitForOk } from "../fixtures/process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

const PASSWORD = "browser-playground-password";
const WAIT = { timeout: 20_000 };
/** Markdown with raw HTML in it: the HTML must show as text, never become elements. */
const ANSWER =
  "Here is **bold** text, `inline code` and <img src=x onerror=alert(1)> plus <b>raw</b> markup. " +
  "Then a list:\n\n- first item\n- second item\n\nThe end.";

describe("playground, benchmarks and logs in Chromium", { timeout: 120_000 }, () => {
  let dir: TempDir;
  let base: string;
  let server: RunningProcess;
  const upstreams: InferenceServer[] = [];
  let browser: TestBrowser;
  let page: Page;

  const screenshots = async (name: string) => {
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await browser.screenshot(`${name}-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), WAIT)
      .toBeLessThanOrEqual(0);
    await browser.screenshot(`${name}-phone`);
    await page.setViewportSize({ width: 1366, height: 860 });
  };
  const goTo = async (label: string) => {
    await page.getByRole("link", { name: label, exact: true }).click();
  };

  beforeAll(async () => {
    dir = tempDir();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    upstreams.push(
      await startInferenceServer("vllm", {
        models: ["m"],
        scripts: { m: { tokensPerSec: 12, text: ANSWER } },
      }),
      await startInferenceServer("vllm", {
        models: ["m"],
        scripts: { m: { tokensPerSec: 40, text: ANSWER } },
      }),
    );
    server = runProcess(process.execPath, [join(ROOT, "dist", "server.js")], {
      LLMLB_PORT: String(port),
      LLMLB_HOST: "127.0.0.1",
      LLMLB_DATA_DIR: dir.path,
      LLMLB_ADMIN_PASSWORD: PASSWORD,
      LLMLB_LOG_LEVEL: "debug",
    });
    await waitForOk(`${base}/ready`, server);
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
    });
    const token = ((await login.json()) as { token: string }).token;
    for (const [index, upstream] of upstreams.entries()) {
      const response = await fetch(`${base}/api/endpoints`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: index === 0 ? "slow-box" : "fast-box", base_url: upstream.url }),
      });
      expect(response.status).toBe(201);
    }
    browser = await launchBrowser();
    page = browser.page;
    await page.goto(`${base}/`);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-connection="live"]').waitFor(WAIT);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop("SIGKILL");
    for (const upstream of upstreams) await upstream.stop();
    dir?.remove();
  });

  it("streams an answer token by token with its endpoint and tok/s, Markdown rendered and raw HTML shown as text", async () => {
    await goTo("Playground");
    await page.getByLabel("Model").selectOption("m");
    await page.getByLabel("Send to").selectOption({ label: "slow-box only" });
    await page.getByLabel("Prompt", { exact: true }).fill("Tell me something");
    await page.getByRole("button", { name: "Send" }).click();
    const answer = page.locator(".answer").last();
    // While it streams, the text grows in steps.
    const lengths = new Set<number>();
    for (let i = 0; i < 200 && (await answer.getByText("streaming…").count()) > 0; i++) {
      const length = (
        await answer
          .locator(".markdown")
          .innerText()
          .catch(() => "")
      ).length;
      if (length > 0) lengths.add(length);
      await page.waitForTimeout(50);
    }
    expect(lengths.size).toBeGreaterThanOrEqual(3);
    await answer.getByText("The end.").waitFor(WAIT);
    expect(await answer.locator(".answer-endpoint").innerText()).toBe("slow-box");
    expect(await answer.locator(".answer-tps").innerText()).toMatch(/^\d+\.\d tok\/s$/);
    expect(await answer.locator(".answer-footer").innerText()).toMatch(/\d+ tokens/);
    const markdown = answer.locator(".markdown");
    expect(await markdown.locator("strong").innerText()).toBe("bold");
    expect(await markdown.locator("code").innerText()).toBe("inline code");
    expect(await markdown.locator("li").count()).toBe(2);
    expect(await markdown.locator("img, b").count()).toBe(0);
    expect(await markdown.innerText()).toContain("<img src=x onerror=alert(1)>");
    await screenshots("playground-chat");
  });

  it("stops a streaming answer and keeps what arrived", async () => {
    await page.getByLabel("Send to").selectOption({ label: "slow-box only" });
    await page.getByLabel("Prompt", { exact: true }).fill("Another one");
    await page.getByRole("button", { name: "Send" }).click();
    const answer = page.locator(".answer").last();
    await answer.locator(".markdown").waitFor(WAIT);
    await page.getByRole("button", { name: "Stop" }).click();
    await page.getByRole("button", { name: "Send" }).waitFor(WAIT);
    const text = await answer.locator(".markdown").innerText();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain("The end.");
  });

  it("routes a chat through the balancer and names the endpoint that answered", async () => {
    await page.getByLabel("Send to").selectOption({ label: "Any endpoint (routed by llmlb)" });
    await page.getByLabel("Prompt", { exact: true }).fill("Routed please");
    await page.getByRole("button", { name: "Send" }).click();
    const answer = page.locator(".answer").last();
    await answer.getByText("The end.").waitFor(WAIT);
    expect(["slow-box", "fast-box"]).toContain(await answer.locator(".answer-endpoint").innerText());
  });

  it("compares two endpoints side by side", async () => {
    await page.getByRole("tab", { name: "Compare endpoints" }).click();
    const panel = page.getByRole("region", { name: "Compare endpoints" });
    await panel.getByLabel("Prompt", { exact: true }).fill("Same prompt for both");
    await panel.getByRole("button", { name: "Compare" }).click();
    for (const name of ["slow-box", "fast-box"]) {
      const pane = panel.getByRole("article", { name: `Answer from ${name}` });
      await pane.getByText("The end.").waitFor(WAIT);
      expect(await pane.locator(".answer-endpoint").innerText()).toBe(name);
      expect(await pane.locator(".answer-tps").innerText()).toMatch(/tok\/s$/);
    }
    await screenshots("playground-compare");
  });

  it("runs a benchmark, shows its progress, results and chart, and lists it in the history", async () => {
    await goTo("Benchmarks");
    const form = page.getByRole("form", { name: "New benchmark run" });
    await form.getByLabel("Requests per endpoint").fill("3");
    await form.getByLabel("Concurrency per endpoint").fill("1");
    await form.getByLabel("Max tokens").fill("8");
    await form.getByRole("button", { name: "Run benchmark" }).click();
    const run = page.getByRole("region", { name: "Benchmark run" });
    await run.locator(".run-completed").waitFor(WAIT);
    expect(await run.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("6");
    const rows = run.locator(".table-wrap tbody tr");
    expect(await rows.count()).toBe(2);
    expect(await rows.first().innerText()).toMatch(/tok\/s/);
    await run.locator(".uplot canvas").first().waitFor(WAIT);
    const history = page.getByRole("region", { name: "Past runs" });
    await history.locator(".run-completed").first().waitFor(WAIT);
    await screenshots("benchmarks");
  });

  it("shows a log line produced by a request, live, with level filter and pause", async () => {
    await goTo("Logs");
    await page.getByLabel("Minimum level").selectOption("debug");
    await fetch(`${base}/health?from=browser-log-test`);
    const tail = page.getByRole("log");
    await tail.getByText("path=/health").first().waitFor(WAIT);
    await page.getByLabel("Minimum level").selectOption("warn");
    expect(await tail.getByText("path=/health").count()).toBe(0);
    await page.getByLabel("Minimum level").selectOption("debug");
    await page.getByRole("button", { name: "Pause" }).click();
    const shown = await tail.locator(".log-line").count();
    await fetch(`${base}/marker-while-paused`);
    await page.getByText(/paused · [1-9]\d* new/).waitFor(WAIT);
    expect(await tail.locator(".log-line").count()).toBe(shown);
    expect(await tail.getByText("path=/marker-while-paused").count()).toBe(0);
    await page.getByRole("button", { name: "Resume" }).click();
    await tail.getByText("path=/marker-while-paused").first().waitFor(WAIT);
    await screenshots("logs");
  });

  it("ran under the strict Content-Security-Policy and logged no console error or CSP violation", async () => {
    const page = await fetch(`${base}/dashboard/playground`);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(browser.errors).toEqual([]);
  });
});
