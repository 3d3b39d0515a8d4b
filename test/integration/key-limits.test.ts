// Per-key limits: rate_limit_rpm (requests per UTC minute) and token_limit_daily (output tokens per UTC day)
// refuse with 429 rate_limit_exceeded and Retry-After, exactly on one instance; two instances on one database
// share the usage once each has synced (the key-usage-sync job).
import { join } from "node:path";
import { RateLimitError as AnthropicRateLimitError } from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { api, apiAs } from "../fixtures/admin-api.js";
import { anthropicClient } from "../fixtures/anthropic-harness.js";
import { runJob } from "../fixtures/completions.js";
import { type InferenceServer, startInferenceServer } from "../fixtures/fake-inference.js";
import { registerEndpoint } from "../fixtures/proxy-harness.js";
import { tempDir } from "../fixtures/temp-db.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

/** 10 s into a UTC minute, so a handful of requests never straddle a minute boundary. */
const START = Date.UTC(2026, 10, 30, 12, 0, 10);
/** Output tokens the fake upstream generates per request. */
const TOKENS = 8;

const apps: TestApp[] = [];
let upstream: InferenceServer | undefined;
let now = START;
const clock = { now: () => now, monotonic: () => performance.now() };

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await upstream?.stop();
  upstream = undefined;
  now = START;
});

async function start(env: Record<string, string> = {}): Promise<TestApp> {
  upstream ??= await startInferenceServer("openai", {
    models: ["m"],
    scripts: { m: { outputTokens: TOKENS } },
  });
  const app = await startTestApp({ clock, env });
  apps.push(app);
  return app;
}

async function limitedKey(
  app: TestApp,
  limits: Record<string, number | null>,
): Promise<{ id: string; key: string }> {
  const created = await api(app, "POST", "/api/api-keys", {
    name: "limited",
    permissions: ["openai.inference"],
    ...limits,
  });
  expect(created.status).toBe(201);
  return created.body;
}

const client = (app: TestApp, key: string) =>
  new OpenAI({ baseURL: `${app.url}/v1`, apiKey: key, maxRetries: 0 });
const ask = (app: TestApp, key: string) =>
  client(app, key).chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  return error as InstanceType<typeof OpenAI.RateLimitError>;
}

describe("per-key limits", () => {
  it("rate_limit_rpm admits that many requests per UTC minute, then 429 with Retry-After until the next", async () => {
    const app = await start();
    await registerEndpoint(app, "up", (upstream as InferenceServer).url);
    const { key } = await limitedKey(app, { rate_limit_rpm: 3 });
    for (let i = 0; i < 3; i++) await ask(app, key);
    const refused = await refusal(ask(app, key));
    expect(refused.status).toBe(429);
    expect(refused.code).toBe("rate_limit_exceeded");
    expect(refused.type).toBe("rate_limit_error");
    expect(refused.message).toContain("3 requests per minute");
    expect(refused.headers?.get("retry-after")).toBe("50");
    // Refused requests never reached the upstream.
    expect(
      (upstream as InferenceServer).requests.filter((r) => r.path === "/v1/chat/completions"),
    ).toHaveLength(3);
    now += 50_000;
    await ask(app, key);
    // Another key is not affected.
    await ask(app, await app.inferenceKey());
  });

  it("is exact under concurrency: 10 requests at once against rate_limit_rpm 6 admit exactly 6", async () => {
    const app = await start();
    await registerEndpoint(app, "up", (upstream as InferenceServer).url);
    const { key } = await limitedKey(app, { rate_limit_rpm: 6 });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => ask(app, key)));
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(6);
    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(refused.map((outcome) => (outcome.reason as { status?: number }).status)).toEqual([
      429, 429, 429, 429,
    ]);
  });

  it("token_limit_daily counts output tokens per UTC day; the request that crosses it finishes", async () => {
    const app = await start();
    await registerEndpoint(app, "up", (upstream as InferenceServer).url);
    const { key, id } = await limitedKey(app, { token_limit_daily: 2 * TOKENS - 1 });
    await ask(app, key);
    await ask(app, key); // 8 < 15 when admitted; 16 afterwards
    const refused = await refusal(ask(app, key));
    expect(refused.message).toContain(`${2 * TOKENS - 1} output tokens per UTC day`);
    const untilMidnight = (Date.UTC(2026, 11, 1) - now) / 1000;
    expect(Number(refused.headers?.get("retry-after"))).toBe(Math.ceil(untilMidnight));

    await runJob(app, "keyUsageSync");
    const listed = (await api(app, "GET", "/api/api-keys")).body.data.find(
      (k: { id: string }) => k.id === id,
    );
    expect(listed).toMatchObject({
      token_limit_daily: 15,
      used_today: { requests: 2, output_tokens: 2 * TOKENS },
    });

    // Raising the limit takes effect at once on this instance.
    expect(
      (await api(app, "PUT", `/api/api-keys/${id}`, { token_limit_daily: 100 })).body.token_limit_daily,
    ).toBe(100);
    await ask(app, key);
    await api(app, "PUT", `/api/api-keys/${id}`, { token_limit_daily: 10 });
    await refusal(ask(app, key));
    now = Date.UTC(2026, 11, 1, 0, 0, 1);
    await ask(app, key);
  });

  it("on /v1/messages the same limit answers in Anthropic's shape (the SDK's RateLimitError, Retry-After)", async () => {
    const app = await start();
    await registerEndpoint(app, "up", (upstream as InferenceServer).url);
    const { key } = await limitedKey(app, { rate_limit_rpm: 1 });
    const claude = anthropicClient(app, key);
    const message = { model: "m", max_tokens: 16, messages: [{ role: "user" as const, content: "hi" }] };
    await claude.messages.create(message);
    const refused = await claude.messages.create(message).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AnthropicRateLimitError);
    const error = refused as AnthropicRateLimitError;
    expect(error.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(error.headers?.get("retry-after")).toBe("50");
    // Chat completions with the same key share the minute: also refused, in the OpenAI shape.
    expect((await refusal(ask(app, key))).code).toBe("rate_limit_exceeded");
  });

  it("limits must be whole numbers ≥ 1 or null, and the field is named", async () => {
    const app = await start();
    for (const [field, value] of [
      ["rate_limit_rpm", 0],
      ["rate_limit_rpm", 1.5],
      ["token_limit_daily", -3],
      ["token_limit_daily", "100"],
    ] as const) {
      const answer = await api(app, "POST", "/api/api-keys", {
        name: "x",
        permissions: ["openai.inference"],
        [field]: value,
      });
      expect(answer.status, `${field}=${value}`).toBe(400);
      expect(answer.body.error.param).toBe(field);
    }
    const { id } = await limitedKey(app, { rate_limit_rpm: 5 });
    const cleared = await api(app, "PUT", `/api/api-keys/${id}`, { rate_limit_rpm: null });
    expect(cleared.body.rate_limit_rpm).toBeNull();
  });

  it("two instances on one database share a key's usage once both have synced", async () => {
    const dir = tempDir();
    try {
      const env = { LLMLB_DATABASE_URL: `file:${join(dir.path, "shared.db")}` };
      const a = await start(env);
      await registerEndpoint(a, "up", (upstream as InferenceServer).url);
      // Started second, b finds the endpoint in the shared database.
      const b = await start(env);
      const { key } = await limitedKey(a, { token_limit_daily: 2 * TOKENS, rate_limit_rpm: 3 });
      await ask(a, key);
      await ask(b, key);
      // Each instance alone has seen 8 tokens and 1 request: under both limits.
      await runJob(a, "keyUsageSync");
      await runJob(b, "keyUsageSync");
      await runJob(a, "keyUsageSync");
      for (const app of [a, b]) {
        const refused = await refusal(ask(app, key));
        expect(refused.message).toContain("output tokens per UTC day");
      }
      const mine = await apiAs(a, await a.adminHeaders(), "GET", "/api/me/api-keys");
      expect(mine.body.data.find((k: { name: string }) => k.name === "limited").used_today).toEqual({
        requests: 2,
        output_tokens: 2 * TOKENS,
      });
    } finally {
      for (const app of apps.splice(0)) await app.close();
      dir.remove();
    }
  });
});
