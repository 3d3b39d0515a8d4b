// Owns the JSON (snake_case) shape of live request counters, as endpoint JSON and the dashboard show them.
import type { RequestCounters } from "./types.js";

export function countersJson(counters: RequestCounters) {
  return {
    total_requests: counters.totalRequests,
    successful_requests: counters.successfulRequests,
    failed_requests: counters.failedRequests,
    total_input_tokens: counters.totalInputTokens,
    total_output_tokens: counters.totalOutputTokens,
  };
}
