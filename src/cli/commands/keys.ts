// Owns `llmlb keys list|create|revoke`: API key management (the server allows it to admin sessions only).
import { Command, Option } from "commander";
import { PERMISSIONS } from "../../auth/principal.js";
import { PRIORITIES } from "../../balancer/fair-queue.js";
import type { ApiKeyListJson, CreatedApiKeyJson, ApiKeyJson as KeyJson } from "../../routes/api-keys.js";
import { type Api, CliError } from "../client.js";
import { action, type CliIo } from "../context.js";
import { type Column, emit, fields, table } from "../output.js";

const DAY_MS = 86_400_000;

const COLUMNS: Column<KeyJson>[] = [
  ["ID", (k) => k.id],
  ["NAME", (k) => k.name],
  ["PREFIX", (k) => k.key_prefix],
  ["PERMISSIONS", (k) => k.permissions],
  ["PRIORITY", (k) => k.priority],
  ["CREATED", (k) => k.created_at],
  ["EXPIRES", (k) => k.expires_at ?? "never"],
  ["LAST_USED", (k) => k.last_used_at],
];

/** `30d` (days from now) or an ISO-8601 date/time → epoch ms. */
export function parseExpiry(raw: string, now: number): number {
  const days = /^(\d+)d$/.exec(raw);
  if (days) return now + Number(days[1]) * DAY_MS;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw new CliError(`--expires '${raw}' is neither <days>d nor an ISO-8601 date`, 2);
  return at;
}

async function resolveKey(api: Api, idOrName: string): Promise<KeyJson> {
  const { data } = await api.call<ApiKeyListJson>("GET", "/api/api-keys");
  const byId = data.find((key) => key.id === idOrName);
  if (byId) return byId;
  const named = data.filter((key) => key.name === idOrName);
  if (named.length > 1) throw new CliError(`${named.length} keys are named '${idOrName}': revoke by id`, 2);
  if (named[0]) return named[0];
  // Unknown: let the server answer (404 api_key_not_found) so the message is the API's own.
  return { id: idOrName } as KeyJson;
}

interface CreateOptions {
  permission: string[];
  expires?: string;
  priority?: string;
}

export function keysCommand(io: CliIo): Command {
  const keys = new Command("keys").description("manage API keys (needs an admin login: --user/--password)");
  keys
    .command("list")
    .description("all keys (never their secrets)")
    .action(
      action(io, async ({ api, out }) => {
        const body = await api.call<ApiKeyListJson>("GET", "/api/api-keys");
        emit(out, body, () => (body.data.length ? table(body.data, COLUMNS) : "no API keys"));
      }),
    );
  keys
    .command("create")
    .description("create a key; its secret is printed once")
    .argument("<name>")
    .addOption(
      new Option("-p, --permission <permission...>", "granted permissions")
        .choices(PERMISSIONS)
        .makeOptionMandatory(),
    )
    .option("--expires <when>", "expiry: <days>d (e.g. 30d) or an ISO-8601 date; default never")
    .addOption(
      new Option("--priority <priority>", "queue priority of its requests; default interactive").choices(
        PRIORITIES,
      ),
    )
    .action(
      action(io, async ({ api, out }, name: string, options: CreateOptions) => {
        const expiresAt = options.expires === undefined ? null : parseExpiry(options.expires, Date.now());
        const created = await api.call<CreatedApiKeyJson>("POST", "/api/api-keys", {
          name,
          permissions: options.permission,
          expires_at: expiresAt,
          ...(options.priority === undefined ? {} : { priority: options.priority }),
        });
        emit(out, created, () =>
          [
            fields([
              ["id", created.id],
              ["name", created.name],
              ["permissions", created.permissions],
              ["priority", created.priority],
              ["expires", created.expires_at ?? "never"],
              ["key", created.key],
            ]),
            "Store the key now: it is not shown again.",
          ].join("\n"),
        );
      }),
    );
  keys
    .command("revoke")
    .description("delete a key (it stops working at once)")
    .argument("<id-or-name>")
    .action(
      action(io, async ({ api, out }, idOrName: string) => {
        const key = await resolveKey(api, idOrName);
        await api.call("DELETE", `/api/api-keys/${encodeURIComponent(key.id)}`);
        emit(out, { revoked: key.id }, () => `revoked ${key.name ?? key.id} (${key.id})`);
      }),
    );
  return keys;
}
