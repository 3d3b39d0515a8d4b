// The dashboard in real Chromium against a real llmlb process and a fake upstream: everything the operator
// sees must change live (no reload) and survive a restart of the balancer.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../fixtures/browser.js";
import { type FakeUpstream, sendJson, startFakeUpstream } from "../fixtures/fake-upstream.js";
import { freePort, ROOT, type RunningProcess, runProcess, waitForOk } from "../fixtures/process.js";
import { type TempDir, tempDir } from "../fixtures/temp-db.js";

const PASSWORD = "browser-test-password";
const MODELS = ["model-fast", "model-idle"];
/** Every wait is bounded; live updates arrive well within this. */
const WAIT = { timeout: 20_000 };

/** An OpenAI-compatible server: lists two models, answers chats with usage after a short delay. */
function openAiUpstream(): Promise<FakeUpstream> {
  return startFakeUpstream(async (request, response) => {
    if (request.method === "GET" && request.path.startsWith("/v1/models"))
      return sendJson(response, 200, { object: "list", data: MODELS.map((id) => ({ id, object: "model" })) });
    if (request.method === "POST" && request.path === "/v1/chat/completions") {
      const body = JSON.parse(request.body) as { model: string; messages: { content: string }[] };
      await new Promise((resolve) => setTimeout(resolve, 80));
      // A prompt of "no usage" gets an answer without a usage block (llmlb must estimate the tokens).
      const usage =
        body.messages[0]?.content === "no usage"
          ? {}
          : { usage: { prompt_tokens: 7, completion_tokens: 24, total_tokens: 31 } };
      const message = { role: "assistant", content: "hello there, how are you" };
      return sendJson(response, 200, {
        id: "chatcmpl-1",
        object: "chat.completion",
        model: body.model,
        choices: [{ index: 0, message, finish_reason: "stop" }],
        ...usage,
      });
    }
    sendJson(response, 404, { error: { message: "not found" } });
  });
}

describe("dashboard in Chromium", { timeout: 90_000 }, () => {
  // Every test has its own server, database, upstream and browser, and sets up what it needs through the
  // API, so one failure never cascades into the next test.
  let dir: TempDir;
  let port: number;
  let base: string;
  let server: RunningProcess;
  let upstream: FakeUpstream;
  let browser: TestBrowser;
  let page: Page;
  let adminToken: string;
  let inferenceKey: string;
  let endpointId: string;

  const startServer = async () => {
    server = runProcess(process.execPath, [join(ROOT, "dist", "server.js")], {
      LLMLB_PORT: String(port),
      LLMLB_HOST: "127.0.0.1",
      LLMLB_DATA_DIR: dir.path,
      LLMLB_ADMIN_PASSWORD: PASSWORD,
      LLMLB_LOG_LEVEL: "warn",
    });
    await waitForOk(`${base}/ready`, server);
  };
  const api = async <T>(path: string, init: { method?: string; body?: unknown; key?: string } = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${init.key ?? adminToken}`, "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const chat = (model: string, content = "hi") =>
    api("/v1/chat/completions", {
      method: "POST",
      key: inferenceKey,
      body: { model, messages: [{ role: "user", content }] },
    });
  /** The API's TPS for a model, formatted the way the panel must show it. */
  const apiTps = async (model: string) => {
    const rows = await api<{ model_id: string; tps: number | null }[]>(
      `/api/endpoints/${endpointId}/model-tps`,
    );
    const tps = rows.find((row) => row.model_id === model)?.tps;
    return typeof tps === "number" ? `${tps.toFixed(1)} tok/s` : "—";
  };
  const text = (selector: string) => page.locator(selector).first().innerText();
  const tpsCell = (model: string) =>
    page.locator(`[data-endpoint-detail] tr[data-model="${model}"] [data-cell="tps"]`);
  /** A page reload would drop this marker; every live check ends by asserting it is still there. */
  const notReloaded = async () =>
    expect(await page.evaluate(() => (window as { marker?: number }).marker)).toBe(1);

  /** Signs in through the login page and waits for the live stream; marks the page (see notReloaded). */
  const signIn = async () => {
    const served = await page.goto(`${base}/`);
    // Every test runs under the production Content-Security-Policy (a violation is a console error, and
    // afterEach fails a test with any).
    expect(await served?.headerValue("content-security-policy")).toContain("script-src 'self'");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-connection="live"]').waitFor(WAIT);
    await page.evaluate(() => {
      (window as { marker?: number }).marker = 1;
    });
  };
  /** Given: the fake upstream registered through the API, online with its models, and `requests` chats sent. */
  const withEndpoint = async (requests = 0) => {
    const created = await api<{ id: string }>("/api/endpoints", {
      method: "POST",
      body: { name: "fake-gpu", base_url: upstream.url, health_check_interval_secs: 5 },
    });
    endpointId = created.id;
    await expect
      .poll(async () => (await api<{ status: string }>(`/api/endpoints/${endpointId}`)).status, WAIT)
      .toBe("online");
    for (let i = 0; i < requests; i++) await chat("model-fast");
    // The request history is written in batches about a second later; the pages read it from there.
    await expect
      .poll(
        async () => (await api<{ total_count: number }>("/api/dashboard/request-responses")).total_count,
        WAIT,
      )
      .toBe(requests);
  };

  beforeEach(async () => {
    dir = tempDir();
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    upstream = await openAiUpstream();
    await startServer();
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
    });
    adminToken = ((await login.json()) as { token: string }).token;
    const key = await api<{ key: string }>("/api/api-keys", {
      method: "POST",
      body: { name: "browser-test", permissions: ["openai.inference", "openai.models.read"] },
    });
    inferenceKey = key.key;
    browser = await launchBrowser();
    page = browser.page;
  }, 60_000);

  afterEach(async () => {
    const errors = browser?.errors ?? [];
    await browser?.close();
    await server?.stop("SIGKILL");
    await upstream?.stop();
    dir?.remove();
    // No console errors during the test (the ones a test provokes on purpose it takes out itself).
    expect(errors).toEqual([]);
  });

  it("logs in, adds the fake upstream with a validation message first, and sees it turn online without reloading", async () => {
    await signIn();
    await page.getByText("No endpoints yet").waitFor(WAIT);

    await page.getByRole("button", { name: "Add endpoint" }).click();
    const form = page.getByRole("form", { name: "Add endpoint" });
    await form.locator('input[name="name"]').fill("fake-gpu");
    await form.locator('input[name="base_url"]').fill("ftp://nowhere");
    const errorsBeforeRejection = browser.errors.length;
    await form.getByRole("button", { name: "Add endpoint" }).click();
    const fieldError = form.locator('input[name="base_url"] ~ .field-error');
    await fieldError.waitFor(WAIT);
    expect(await fieldError.innerText()).toMatch(/http/);
    // Chromium logs every 4xx resource load; the one the deliberately invalid form caused is expected.
    const rejection = browser.errors.splice(errorsBeforeRejection);
    expect(rejection).toHaveLength(1);
    expect(rejection[0]).toMatch(
      /status of 400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/api\/endpoints\)$/,
    );

    await form.locator('input[name="base_url"]').fill(upstream.url);
    await form.locator('input[name="health_check_interval_secs"]').fill("5");
    await form.getByRole("button", { name: "Add endpoint" }).click();
    const row = page.locator("tr[data-endpoint-id]");
    await row.first().waitFor(WAIT);
    endpointId = (await row.first().getAttribute("data-endpoint-id")) ?? "";
    await page.locator(`tr[data-endpoint-id="${endpointId}"] [data-status="online"]`).waitFor(WAIT);
    expect(await text('[data-stat="endpoints"] .stat-value')).toBe("1 / 1");
    await notReloaded();
  });

  it("proxied requests move the request count, the timeline and the model TPS cell live; the idle model shows —", async () => {
    await withEndpoint();
    await signIn();
    await page.locator(`tr[data-endpoint-id="${endpointId}"] a`).first().click();
    await tpsCell("model-idle").waitFor(WAIT);
    expect(await tpsCell("model-fast").innerText()).toBe("—");

    for (let i = 0; i < 3; i++) await chat("model-fast");

    await page.locator(`tr[data-endpoint-id="${endpointId}"] [data-total-requests="3"]`).waitFor(WAIT);
    await page.locator('[data-timeline-total="3"]').waitFor(WAIT);
    await expect.poll(() => tpsCell("model-fast").innerText(), WAIT).toMatch(/^\d+\.\d tok\/s$/);
    await expect
      .poll(async () => (await tpsCell("model-fast").innerText()) === (await apiTps("model-fast")), WAIT)
      .toBe(true);
    expect(await tpsCell("model-idle").innerText()).toBe("—");
    expect(await text('[data-stat="total-requests"] .stat-value')).toBe("3");
    // The panel was opened before any traffic: today's counts and the daily chart follow without a reload.
    await page.locator("[data-endpoint-detail]").getByText("3 requests (3 ok, 0 failed)").waitFor(WAIT);
    await page.locator('[data-endpoint-detail] [aria-label="Daily TPS, last 7 days"]').waitFor(WAIT);
    await notReloaded();

    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(300); // charts redraw in the new colours
      await browser.screenshot(`dashboard-detail-${scheme}`);
    }
    await page.keyboard.press("Escape");
    await page.locator("[data-endpoint-detail]").waitFor({ state: "detached", ...WAIT });
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(300);
      await browser.screenshot(`dashboard-overview-${scheme}`);
    }
  });

  it("stopping the upstream changes its status badge without reloading", async () => {
    await withEndpoint(3);
    await signIn();
    await page.locator(`tr[data-endpoint-id="${endpointId}"] [data-status="online"]`).waitFor(WAIT);
    await upstream.stop();
    await page
      .locator(
        `tr[data-endpoint-id="${endpointId}"] [data-status="error"], tr[data-endpoint-id="${endpointId}"] [data-status="offline"]`,
      )
      .first()
      .waitFor(WAIT);
    expect(await text('[data-stat="endpoints"] .stat-value')).toBe("0 / 1");
    await notReloaded();
  });

  it("after the balancer restarts, the page reconnects and shows the same TPS and counters as before", async () => {
    await withEndpoint(3);
    await signIn();
    await page.locator(`tr[data-endpoint-id="${endpointId}"] [data-status="online"]`).waitFor(WAIT);
    await page.locator(`tr[data-endpoint-id="${endpointId}"] a`).first().click();
    await expect
      .poll(async () => (await tpsCell("model-fast").innerText()) === (await apiTps("model-fast")), WAIT)
      .toBe(true);
    const before = {
      tps: await tpsCell("model-fast").innerText(),
      requests: await text(`tr[data-endpoint-id="${endpointId}"] [data-cell="requests"]`),
      total: await text('[data-stat="total-requests"] .stat-value'),
    };

    const errorsBeforeRestart = browser.errors.length;
    expect(await server.stop("SIGTERM")).toBe(0);
    await page.locator('[data-connection="reconnecting"], [data-connection="offline"]').first().waitFor(WAIT);
    await startServer();
    await page.locator('[data-connection="live"]').waitFor(WAIT);
    // While the server was down Chromium itself logs the EventSource's failed network attempts; those (and
    // only those) are expected here and are taken out of the run's console error list.
    const restartErrors = browser.errors.splice(errorsBeforeRestart);
    for (const error of restartErrors)
      expect(error).toMatch(/net::ERR_[A-Z_]+ \(http:\/\/127\.0\.0\.1:\d+\/api\/events(\?logs=1)?\)$/);
    await expect
      .poll(async () => (await tpsCell("model-fast").innerText()) === (await apiTps("model-fast")), WAIT)
      .toBe(true);
    expect({
      tps: await tpsCell("model-fast").innerText(),
      requests: await text(`tr[data-endpoint-id="${endpointId}"] [data-cell="requests"]`),
      total: await text('[data-stat="total-requests"] .stat-value'),
    }).toEqual(before);
    await notReloaded();

    // Still live after the restart: one more request is counted without reloading.
    await page.keyboard.press("Escape");
    await chat("model-fast");
    await page.locator(`tr[data-endpoint-id="${endpointId}"] [data-total-requests="4"]`).waitFor(WAIT);
    await notReloaded();
  });

  it("request history lists the requests, new ones arrive at the top live with estimated tokens marked, and filters apply", async () => {
    await withEndpoint(4);
    await signIn();
    await page.getByRole("link", { name: "Requests" }).click();
    const rows = page.locator("table.requests tbody tr");
    await expect.poll(() => rows.count(), WAIT).toBe(4);
    expect(await rows.first().innerText()).toContain("model-fast");

    await chat("model-fast", "no usage");
    await expect.poll(() => rows.count(), WAIT).toBe(5);
    expect(await rows.first().locator(".estimated").count()).toBe(1);
    expect(await rows.nth(1).locator(".estimated").count()).toBe(0);

    await page.getByLabel("Status").selectOption("error");
    await page.getByText("No requests match").waitFor(WAIT);
    await page.getByLabel("Status").selectOption("success");
    await expect.poll(() => rows.count(), WAIT).toBe(5);
    await notReloaded();
  });

  it("a phone-width view renders the same live data (screenshot)", async () => {
    await withEndpoint(5);
    await signIn();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator(`tr[data-endpoint-id="${endpointId}"] [data-total-requests="5"]`).waitFor(WAIT);
    // Nothing may be wider than the phone: the page scrolls vertically only.
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), WAIT)
      .toBeLessThanOrEqual(0);
    await browser.screenshot("dashboard-overview-phone");
  });
});
