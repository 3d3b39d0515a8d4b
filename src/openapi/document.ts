// Owns building the OpenAPI 3.1 document from the route table (route-docs.ts): valibot → JSON Schema
// (@valibot/to-json-schema, draft 2020-12) and each operation's security from the central access table.
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { type Access, accessFor } from "../auth/access-rules.js";
import type { Config } from "../config.js";
import type { Content, RouteDoc } from "./doc-helpers.js";
import { AnthropicError, ErrorResponse } from "./response-schemas.js";
import { ROUTE_DOCS } from "./route-docs.js";

type Json = Record<string, unknown>;

/** Input types for requests (what a client sends), output types for responses. */
function schemaOf(schema: v.GenericSchema, typeMode: "input" | "output"): Json {
  const { $schema: _drop, ...rest } = toJsonSchema(schema, {
    target: "draft-2020-12",
    typeMode,
    // Custom checks (v.check) have no JSON Schema form; they are still enforced by the handler.
    errorMode: "ignore",
  }) as Json;
  return rest;
}

const PARAM = /:(\w+)(\{[^}]*\})?/g;

/** `/v1/models/:id{.+}` → `/v1/models/{id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(PARAM, "{$1}");
}

function parameters(honoPath: string, doc: RouteDoc): Json[] {
  const path = [...honoPath.matchAll(PARAM)].map((match) => ({
    name: match[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (!doc.query) return path;
  const query = schemaOf(doc.query, "input") as { properties?: Record<string, Json>; required?: string[] };
  const required = new Set(query.required ?? []);
  const fields = Object.entries(query.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: required.has(name),
    schema,
  }));
  return [...path, ...fields];
}

function content(item: Content, description: string): Json {
  switch (item.kind) {
    case "none":
      return { description };
    case "redirect":
      return { description: "Redirect", headers: { location: { schema: { type: "string" } } } };
    case "text":
      return { description: item.description, content: { [item.mediaType]: { schema: { type: "string" } } } };
    case "json": {
      const alternative = item.alternative
        ? (content(item.alternative, "") as { content?: Json }).content
        : {};
      return {
        description,
        content: { "application/json": { schema: schemaOf(item.schema, "output") }, ...alternative },
      };
    }
  }
}

const errorResponse = (shape: RouteDoc["errors"]) => (description: string) => ({
  description,
  content: {
    "application/json": {
      schema: schemaOf(shape === "anthropic" ? AnthropicError : ErrorResponse, "output"),
    },
  },
});

/** Who may call: bearer (sk_ key or ses_ token), X-API-Key, or the session cookie, from the access rule. */
function security(access: Access): { security: Json[]; "x-llmlb-access": Json; description: string } {
  if (access.kind === "public")
    return { security: [], "x-llmlb-access": { public: true }, description: "Public." };
  const schemes: Json[] = [{ bearer: [] }];
  if (access.permissions.length > 0) schemes.push({ apiKeyHeader: [] });
  if (access.sessions !== "none") schemes.push({ sessionCookie: [] });
  const who = [
    access.permissions.length > 0 ? `an API key with ${access.permissions.join(" or ")}` : null,
    access.sessions === "admin"
      ? "an admin session"
      : access.sessions === "any"
        ? "any logged-in session"
        : null,
  ].filter(Boolean);
  const open = access.inference ? " (open to all with LLMLB_AUTH_DISABLED=1)" : "";
  return {
    security: schemes,
    "x-llmlb-access": {
      sessions: access.sessions,
      permissions: access.permissions,
      inference: access.inference,
    },
    description: `Needs ${who.join(", or ")}${open}.`,
  };
}

function operation(
  method: string,
  honoPath: string,
  doc: RouteDoc,
  config: Pick<Config, "metricsPublic">,
): Json {
  // A concrete path for the access table: parameters become a placeholder segment.
  const access = accessFor(method, honoPath.replace(PARAM, "x"), config);
  const { description, ...auth } = security(access);
  const responses: Json = {};
  const ERROR = errorResponse(doc.errors);
  for (const [status, item] of Object.entries(doc.responses)) responses[status] = content(item, doc.summary);
  if (doc.body || doc.form || doc.query || /:\w/.test(honoPath))
    responses["400"] = ERROR("Invalid input (names the field)");
  if (access.kind === "protected") {
    responses["401"] = ERROR("Missing or invalid credentials");
    responses["403"] = ERROR("Credentials lack the permission");
  }
  responses.default = ERROR(`Error (${doc.errors === "anthropic" ? "Anthropic" : "OpenAI"} shape)`);
  const params = parameters(honoPath, doc);
  return {
    tags: [doc.tag],
    summary: doc.summary,
    description,
    operationId: `${method.toLowerCase()}${openApiPath(honoPath).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? "").toUpperCase())}`,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: schemaOf(doc.body, "input") } },
          },
        }
      : {}),
    ...(doc.form
      ? {
          requestBody: {
            required: true,
            content: { "multipart/form-data": { schema: schemaOf(doc.form, "input") } },
          },
        }
      : {}),
    responses,
    ...auth,
  };
}

export function openApiDocument(
  config: Pick<Config, "metricsPublic">,
  version: string,
  docs: Record<string, RouteDoc> = ROUTE_DOCS,
): Json {
  const paths: Record<string, Json> = {};
  for (const [key, doc] of Object.entries(docs)) {
    const [method = "", honoPath = ""] = key.split(" ");
    const path = openApiPath(honoPath);
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation(method, honoPath, doc, config) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "llmlb",
      version,
      description:
        "One OpenAI-compatible URL in front of many LLM inference servers. Errors use the OpenAI shape.",
    },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An API key (sk_…) or a session token (ses_…)",
        },
        apiKeyHeader: { type: "apiKey", in: "header", name: "x-api-key" },
        sessionCookie: { type: "apiKey", in: "cookie", name: "llmlb_session" },
      },
    },
  };
}
