// Owns the one time representation on the wire: every instant a response or event carries is an ISO-8601
// UTC string with milliseconds ("2026-11-22T12:00:00.000Z"); inputs accept that or epoch milliseconds.
import * as v from "valibot";

/** An instant on the wire, ISO-8601 UTC. Only `isoTime` makes one, so a JSON type using it can't carry ms. */
export type IsoTime = `${number}-${number}-${number}T${string}Z`;

/** Epoch ms (the in-memory and database unit) → the wire form. */
export function isoTime(epochMs: number): IsoTime {
  return new Date(epochMs).toISOString() as IsoTime;
}

/** Nullable instants: null stays null. */
export function isoTimeOrNull(epochMs: number | null): IsoTime | null {
  return epochMs === null ? null : isoTime(epochMs);
}

const isoText = v.pipe(
  v.string(),
  v.check(
    (text) => /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text)),
    "Expected an ISO 8601 date-time or epoch milliseconds",
  ),
  v.transform((text) => Date.parse(text)),
);

/** A query parameter holding an instant: ISO 8601 or epoch-ms digits → epoch ms. */
export const timeParam = v.union(
  [v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number)), isoText],
  "Expected an ISO 8601 date-time or epoch milliseconds",
);

/** A JSON body field holding an instant: an ISO 8601 string or a non-negative integer of epoch ms → epoch ms. */
export const timeField = v.union(
  [v.pipe(v.number(), v.integer(), v.minValue(0)), isoText],
  "Expected an ISO 8601 date-time or epoch milliseconds",
);
