// Owns `llmlb status` (liveness, readiness and, with credentials, the fleet at a glance) and `llmlb stats`
// (request totals and the per endpoint × model speed table).
import { Command } from "commander";
import type { DashboardStats } from "../../dashboard/overview.js";
import type { dashboardModelStats } from "../../dashboard/views.js";
import type { Api } from "../client.js";
import { action, type CliIo } from "../context.js";
import { type Column, emit, fields, table } from "../output.js";

type ModelStat = ReturnType<typeof dashboardModelStats>[number];

const MODEL_COLUMNS: Column<ModelStat>[] = [
  ["ENDPOINT", (s) => s.endpoint_name ?? s.endpoint_id],
  ["MODEL", (s) => s.model_id],
  ["API", (s) => s.api_kind],
  ["TPS", (s) => s.tps],
  ["DECODE_TPS", (s) => s.decode_tps],
  ["TTFT_MS", (s) => s.ttft_ms],
  ["REQUESTS", (s) => s.request_count],
  ["OUTPUT_TOKENS", (s) => s.total_output_tokens],
];

/** `ok`, or the reason a public probe route failed (its own error message). */
async function probe(api: Api, path: string): Promise<string> {
  const response = await api.fetch(path);
  if (response.ok) return "ok";
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return `${response.status} ${body?.error?.message ?? response.statusText}`;
}

function statsFields(stats: DashboardStats): [string, unknown][] {
  return [
    [
      "endpoints",
      `${stats.online_endpoints} online / ${stats.offline_endpoints} offline / ${stats.total_endpoints} total`,
    ],
    ["active_requests", stats.active_requests],
    ["queued_requests", stats.queued_requests],
    [
      "requests",
      `${stats.total_requests} (${stats.successful_requests} ok, ${stats.failed_requests} failed)`,
    ],
    ["tokens", `${stats.total_input_tokens} in, ${stats.total_output_tokens} out`],
    ["avg_response_ms", stats.average_response_time_ms],
  ];
}

export function statusCommand(io: CliIo): Command {
  return new Command("status")
    .description("is llmlb live and ready (exit 1 if not); with credentials also the fleet's figures")
    .action(
      action(io, async (run) => {
        const health = await probe(run.api, "/health");
        const ready = await probe(run.api, "/ready");
        const stats = run.api.hasCredentials
          ? await run.api.call<DashboardStats>("GET", "/api/dashboard/stats")
          : null;
        emit(run.out, { url: run.api.url, health, ready, stats }, () =>
          fields([
            ["url", run.api.url],
            ["health", health],
            ["ready", ready],
            ...(stats
              ? statsFields(stats)
              : [["stats", "pass --api-key or --user to see them"] as [string, string]]),
          ]),
        );
        if (health !== "ok" || ready !== "ok") run.exitCode = 1;
      }),
    );
}

export function statsCommand(io: CliIo): Command {
  return new Command("stats").description("request totals and measured speed per endpoint × model").action(
    action(io, async ({ api, out }) => {
      const [stats, models] = await Promise.all([
        api.call<DashboardStats>("GET", "/api/dashboard/stats"),
        api.call<ModelStat[]>("GET", "/api/dashboard/model-stats"),
      ]);
      emit(out, { stats, models }, () =>
        [
          fields(statsFields(stats)),
          "",
          models.length ? table(models, MODEL_COLUMNS) : "no speed measured yet (no successful request)",
        ].join("\n"),
      );
    }),
  );
}
