// Owns the Server-Sent Events wire format of the event stream: event frames, the reset frame,
// comments, and reading the Last-Event-ID header. Pure.
import { completionBatch } from "./completion-batch.js";
import type { CompletionRecord, PublishedEvent } from "./types.js";

/** A bus event sent as itself (RequestCompleted records are sent in batches: formatCompletions). */
export type SingleEvent = Exclude<PublishedEvent, { type: "RequestCompleted" }>;

/** `id: <id>\nevent: <type>\ndata: <json>\n\n`; JSON.stringify never emits a raw newline, so one data line. */
export function formatEvent(event: SingleEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * One RequestsCompleted event for records published up to bus id `lastId` (none of them left out); a client
 * resuming from that id receives the events after all of them.
 */
export function formatCompletions(lastId: number, records: readonly CompletionRecord[]): string {
  return `id: ${lastId}\nevent: RequestsCompleted\ndata: ${JSON.stringify(completionBatch(records))}\n\n`;
}

export type ResetReason = "too_far_behind" | "unknown_id";

/**
 * Tells a client its missed events cannot be replayed: refetch the overview, then continue.
 * Carries the current last id so the client's next reconnect resumes from here.
 */
export function formatReset(lastId: number, reason: ResetReason): string {
  return `id: ${lastId}\nevent: reset\ndata: ${JSON.stringify({ last_id: lastId, reason })}\n\n`;
}

/** A comment line (ignored by EventSource); used for heartbeats. */
export function formatComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}

/**
 * The opening frame: how long a client waits before reconnecting and, for a fresh client, the current
 * last id (an `id:` field with no data sets EventSource.lastEventId without dispatching an event), so
 * a client that disconnects before any event still resumes without a gap.
 */
export function formatOpening(retryMs: number, lastId: number | null): string {
  return `: connected\nretry: ${retryMs}\n${lastId === null ? "" : `id: ${lastId}\n`}\n`;
}

export type LastEventId = { kind: "none" } | { kind: "id"; id: number } | { kind: "invalid" };

/** Absent or blank → none; a non-negative integer → id; anything else → invalid (the client gets a reset). */
export function parseLastEventId(header: string | undefined | null): LastEventId {
  if (header === undefined || header === null || header.trim() === "") return { kind: "none" };
  const text = header.trim();
  if (!/^\d{1,17}$/.test(text)) return { kind: "invalid" };
  return { kind: "id", id: Number(text) };
}
