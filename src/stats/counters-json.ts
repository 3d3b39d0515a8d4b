// Owns the JSON (snake_case) shape of request counters: the one wire form of counters, which endpoint JSON,
// dashboard stats, fleet totals, daily statistics and the MetricsUpdated event all use or extend.
import type { CountersJson } from "../events/types.js";
import type { RequestCounters } from "./types.js";

export type { CountersJson };

export function countersJson(counters: RequestCounters): CountersJson {
  return {
    total_requests: counters.totalRequests,
    successful_requests: counters.successfulRequests,
    failed_requests: counters.failedRequests,
    total_input_tokens: counters.totalInputTokens,
    total_output_tokens: counters.totalOutputTokens,
  };
}
