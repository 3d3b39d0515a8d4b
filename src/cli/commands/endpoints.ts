// Owns `llmlb endpoints list|add|rm|test|sync`: the /api/endpoints routes from a terminal.
import { Command, Option } from "commander";
import { CLOUD_TYPES, isCloudType } from "../../registry/cloud.js";
import type { EndpointJson } from "../../registry/endpoint-json.js";
import type { SyncResult, TestResult } from "../../registry/registry.js";
import { ENDPOINT_TYPES } from "../../registry/types.js";
import type { EndpointListJson } from "../../routes/endpoints.js";
import { type Api, CliError } from "../client.js";
import { action, type CliIo, positiveInt } from "../context.js";
import { type Column, emit, fields, table } from "../output.js";

const COLUMNS: Column<EndpointJson>[] = [
  ["ID", (e) => e.id],
  ["NAME", (e) => e.name],
  ["TYPE", (e) => e.endpoint_type],
  ["STATUS", (e) => e.status],
  ["LATENCY_MS", (e) => e.latency_ms],
  ["REQUESTS", (e) => e.total_requests],
  ["FAILED", (e) => e.failed_requests],
  ["CIRCUIT", (e) => e.circuit_state],
  ["BASE_URL", (e) => e.base_url],
];

/** An endpoint by id or by its (unique) name. */
export async function resolveEndpoint(api: Api, idOrName: string): Promise<EndpointJson> {
  const { endpoints } = await api.call<EndpointListJson>("GET", "/api/endpoints");
  const found = endpoints.find((e) => e.id === idOrName) ?? endpoints.find((e) => e.name === idOrName);
  if (!found) throw new CliError(`no endpoint with id or name '${idOrName}' (see: llmlb endpoints list)`);
  return found;
}

interface AddOptions {
  type?: string;
  upstreamKey?: string;
  healthInterval?: number;
  inferenceTimeout?: number;
  maxConcurrency?: number;
  notes?: string;
}

/** The base URL to send: required, except for cloud types, whose provider's URL the server fills in. */
function baseUrlFor(baseUrl: string | undefined, type: string | undefined): string | undefined {
  if (baseUrl !== undefined || (type !== undefined && isCloudType(type))) return baseUrl;
  throw new CliError(
    `a base URL is required (only --type ${CLOUD_TYPES.join(", ")} default to their provider's URL)`,
    2,
  );
}

function addCommand(io: CliIo): Command {
  return new Command("add")
    .description("register an endpoint (its type is detected unless --type is given)")
    .argument("<name>", "unique name")
    .argument(
      "[base-url]",
      `e.g. http://10.0.0.5:11434; optional for --type ${CLOUD_TYPES.join(", ")} (their provider's URL)`,
    )
    .addOption(new Option("--type <type>", "endpoint type").choices(ENDPOINT_TYPES))
    .option("--upstream-key <key>", "API key llmlb sends to this endpoint")
    .option("--health-interval <secs>", "health check interval, 5–300 s", positiveInt("--health-interval"))
    .option("--inference-timeout <secs>", "inference timeout in s", positiveInt("--inference-timeout"))
    .option("--max-concurrency <n>", "requests in flight at most", positiveInt("--max-concurrency"))
    .option("--notes <text>", "free text")
    .action(
      action(io, async ({ api, out }, name: string, baseUrl: string | undefined, options: AddOptions) => {
        const created = await api.call<EndpointJson>("POST", "/api/endpoints", {
          name,
          base_url: baseUrlFor(baseUrl, options.type),
          api_key: options.upstreamKey,
          endpoint_type: options.type,
          health_check_interval_secs: options.healthInterval,
          inference_timeout_secs: options.inferenceTimeout,
          max_concurrency: options.maxConcurrency,
          notes: options.notes,
        });
        emit(out, created, () => table([created], COLUMNS));
      }),
    );
}

export function endpointsCommand(io: CliIo): Command {
  const endpoints = new Command("endpoints").description("list and manage upstream endpoints");
  endpoints
    .command("list")
    .description("all endpoints with status, latency and request counts")
    .action(
      action(io, async ({ api, out }) => {
        const body = await api.call<EndpointListJson>("GET", "/api/endpoints");
        emit(out, body, () => (body.total ? table(body.endpoints, COLUMNS) : "no endpoints registered"));
      }),
    );
  endpoints.addCommand(addCommand(io));
  endpoints
    .command("rm")
    .description("remove an endpoint")
    .argument("<id-or-name>")
    .action(
      action(io, async ({ api, out }, idOrName: string) => {
        const endpoint = await resolveEndpoint(api, idOrName);
        await api.call("DELETE", `/api/endpoints/${encodeURIComponent(endpoint.id)}`);
        emit(
          out,
          { removed: endpoint.id, name: endpoint.name },
          () => `removed ${endpoint.name} (${endpoint.id})`,
        );
      }),
    );
  endpoints
    .command("test")
    .description("probe an endpoint now (exit 1 when the probe fails)")
    .argument("<id-or-name>")
    .action(
      action(io, async (run, idOrName: string) => {
        const endpoint = await resolveEndpoint(run.api, idOrName);
        const result = await run.api.call<TestResult>(
          "POST",
          `/api/endpoints/${encodeURIComponent(endpoint.id)}/test`,
        );
        emit(run.out, result, () =>
          fields([
            ["endpoint", endpoint.name],
            ["success", result.success ? "yes" : "no"],
            ["latency_ms", result.latency_ms],
            ["models_found", result.models_found],
            ["error", result.error],
          ]),
        );
        if (!result.success) run.exitCode = 1;
      }),
    );
  endpoints
    .command("sync")
    .description("re-list an endpoint's models now")
    .argument("<id-or-name>")
    .action(
      action(io, async ({ api, out }, idOrName: string) => {
        const endpoint = await resolveEndpoint(api, idOrName);
        const result = await api.call<SyncResult>(
          "POST",
          `/api/endpoints/${encodeURIComponent(endpoint.id)}/sync`,
        );
        emit(out, result, () =>
          fields([
            ["endpoint", endpoint.name],
            ["models", result.synced_models],
            ["added", result.added],
            ["removed", result.removed],
            ["updated", result.updated],
          ]),
        );
      }),
    );
  return endpoints;
}
