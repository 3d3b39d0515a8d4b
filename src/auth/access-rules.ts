// Owns the one table of who may call what, by path prefix and method. Applied to every request before the
// route modules, so routes added later are covered without their authors doing anything.
import type { Config } from "../config.js";
import type { Permission } from "./principal.js";

export type Access =
  | { kind: "public" }
  | {
      kind: "protected";
      /** Which sessions qualify: none (API keys only), any logged-in user, or admins. */
      sessions: "none" | "any" | "admin";
      /** An API key qualifies when it holds any of these. Empty: no key qualifies. */
      permissions: readonly Permission[];
      /** /v1/*: LLMLB_AUTH_DISABLED lets requests without a valid key through as anonymous. */
      inference: boolean;
    };

type Methods = "any" | "read" | "write";

interface Rule {
  /** Matches the path itself and everything below it (`/v1` matches `/v1` and `/v1/…`, not `/v10`). */
  prefix: string;
  methods: Methods;
  access: Access;
}

const PUBLIC: Access = { kind: "public" };

function keys(...permissions: Permission[]): Access {
  return { kind: "protected", sessions: "none", permissions, inference: false };
}
function inference(...permissions: Permission[]): Access {
  return { kind: "protected", sessions: "none", permissions, inference: true };
}
/** /v1 inference that the dashboard may also call with a login session (playground, model picker). */
function inferenceOrSession(sessions: "any" | "admin", ...permissions: Permission[]): Access {
  return { kind: "protected", sessions, permissions, inference: true };
}
function sessionOrKey(sessions: "any" | "admin", ...permissions: Permission[]): Access {
  return { kind: "protected", sessions, permissions, inference: false };
}

/** First match wins. Paths no rule matches are public (health, the dashboard's static files). */
const RULES: readonly Rule[] = [
  {
    prefix: "/v1/models",
    methods: "read",
    access: inferenceOrSession("any", "openai.inference", "openai.models.read"),
  },
  // The dashboard's playground sends routed chats as the signed-in admin (cookie sessions need CSRF).
  {
    prefix: "/v1/chat/completions",
    methods: "write",
    access: inferenceOrSession("admin", "openai.inference"),
  },
  // Anthropic Messages (x-api-key or Bearer, as every /v1 route): inference like chat completions.
  { prefix: "/v1/messages", methods: "any", access: inference("openai.inference") },
  { prefix: "/v1", methods: "any", access: inference("openai.inference") },
  { prefix: "/api/auth/login", methods: "any", access: PUBLIC },
  { prefix: "/api/auth/register", methods: "write", access: PUBLIC },
  { prefix: "/api/openapi.json", methods: "read", access: PUBLIC },
  { prefix: "/api/docs", methods: "read", access: PUBLIC },
  { prefix: "/api/api-keys", methods: "any", access: sessionOrKey("admin") },
  { prefix: "/api/users", methods: "any", access: sessionOrKey("admin") },
  { prefix: "/api/invitations", methods: "any", access: sessionOrKey("admin") },
  // Every signed-in user manages their own keys (what a viewer may grant is checked by the route).
  { prefix: "/api/me", methods: "any", access: sessionOrKey("any") },
  { prefix: "/api/dashboard/audit-logs", methods: "any", access: sessionOrKey("admin") },
  { prefix: "/api/endpoints", methods: "read", access: sessionOrKey("any", "endpoints.read") },
  { prefix: "/api/endpoints", methods: "write", access: sessionOrKey("admin", "endpoints.manage") },
  // The balancer's own log can carry request details: admins (and manage keys) only.
  { prefix: "/api/dashboard/logs", methods: "any", access: sessionOrKey("admin", "endpoints.manage") },
  { prefix: "/api/dashboard", methods: "any", access: sessionOrKey("any", "endpoints.read") },
  {
    prefix: "/api/benchmarks",
    methods: "read",
    access: sessionOrKey("any", "endpoints.read", "endpoints.manage"),
  },
  { prefix: "/api/benchmarks", methods: "write", access: sessionOrKey("admin", "endpoints.manage") },
  { prefix: "/api/events", methods: "any", access: sessionOrKey("any", "endpoints.read") },
  { prefix: "/metrics", methods: "any", access: keys("metrics.read") },
  // Deny by default: any other API path needs a logged-in user.
  { prefix: "/api", methods: "any", access: sessionOrKey("any") },
];

export function isReadMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}

/** `path` is `prefix` itself or below it (`/v1` matches `/v1` and `/v1/…`, not `/v10`). */
export function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function accessFor(method: string, path: string, config: Pick<Config, "metricsPublic">): Access {
  const read = isReadMethod(method);
  // Match a canonical form so `//v1/x` or `/V1/x` can never slip past a rule (over-matching only protects more).
  const canonical = path.replace(/\/{2,}/g, "/").toLowerCase();
  for (const rule of RULES) {
    if (!under(canonical, rule.prefix)) continue;
    if (rule.methods === "read" && !read) continue;
    if (rule.methods === "write" && read) continue;
    if (rule.prefix === "/metrics" && config.metricsPublic) return PUBLIC;
    return rule.access;
  }
  return PUBLIC;
}
