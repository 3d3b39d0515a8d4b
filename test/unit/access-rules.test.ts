import { describe, expect, it } from "vitest";
import { accessFor } from "../../src/auth/access-rules.js";

const closed = { metricsPublic: false };

describe("access rules", () => {
  it.each([
    ["GET", "/health"],
    ["GET", "/ready"],
    ["GET", "/"],
    ["GET", "/dashboard/assets/app.js"],
    ["POST", "/api/auth/login"],
  ])("%s %s is public", (method, path) => {
    expect(accessFor(method, path, closed)).toEqual({ kind: "public" });
  });

  it("/v1/* needs openai.inference; reading /v1/models also accepts openai.models.read", () => {
    expect(accessFor("POST", "/v1/completions", closed)).toMatchObject({
      sessions: "none",
      permissions: ["openai.inference"],
      inference: true,
    });
    // The playground: an admin session may chat, any session may list models.
    expect(accessFor("POST", "/v1/chat/completions", closed)).toMatchObject({
      sessions: "admin",
      permissions: ["openai.inference"],
      inference: true,
    });
    expect(accessFor("GET", "/v1/models", closed)).toMatchObject({ sessions: "any" });
    expect(accessFor("GET", "/v1/models/llama3", closed)).toMatchObject({
      permissions: ["openai.inference", "openai.models.read"],
    });
    expect(accessFor("POST", "/v1/models", closed)).toMatchObject({ permissions: ["openai.inference"] });
    for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
      expect(accessFor("POST", path, closed)).toMatchObject({
        permissions: ["openai.inference"],
        inference: true,
      });
    }
  });

  it("endpoint reads accept any session or endpoints.read; writes an admin or endpoints.manage", () => {
    expect(accessFor("GET", "/api/endpoints/abc", closed)).toMatchObject({
      sessions: "any",
      permissions: ["endpoints.read"],
    });
    expect(accessFor("DELETE", "/api/endpoints/abc", closed)).toMatchObject({
      sessions: "admin",
      permissions: ["endpoints.manage"],
    });
  });

  it("API keys are managed by admin sessions only; unknown API paths need a session", () => {
    expect(accessFor("GET", "/api/api-keys", closed)).toMatchObject({ sessions: "admin", permissions: [] });
    expect(accessFor("GET", "/api/whatever-comes-later", closed)).toMatchObject({
      sessions: "any",
      permissions: [],
    });
    expect(accessFor("GET", "/api", closed)).toMatchObject({ kind: "protected" });
  });

  it("/metrics needs metrics.read unless LLMLB_METRICS_PUBLIC", () => {
    expect(accessFor("GET", "/metrics", closed)).toMatchObject({ permissions: ["metrics.read"] });
    expect(accessFor("GET", "/metrics", { metricsPublic: true })).toEqual({ kind: "public" });
  });

  it("cannot be sidestepped by doubled slashes or case", () => {
    expect(accessFor("POST", "//v1/chat/completions", closed)).toMatchObject({ inference: true });
    expect(accessFor("POST", "/V1/chat/completions", closed)).toMatchObject({ inference: true });
    expect(accessFor("GET", "/API/api-keys", closed)).toMatchObject({ sessions: "admin" });
    expect(accessFor("GET", "/v10/x", closed)).toEqual({ kind: "public" });
  });
});
