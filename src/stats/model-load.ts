// Owns turning a learned load profile into its wire view (ModelLoad: model-tps, the dashboard's model
// stats, TpsUpdated): the curve of per-stream speed by requests in flight, slots, prefill, model load.
import type { LoadProfile } from "../balancer/load-model.js";
import { prefillFit } from "../balancer/load-model.js";
import type { ModelLoad } from "../events/types.js";
import { isoTimeOrNull } from "../http/wire-time.js";

const oneDecimal = (value: number | null): number | null =>
  value === null || !Number.isFinite(value) ? null : Math.round(value * 10) / 10;

/** null before the profile exists (no proxied request finished on the endpoint × model yet). */
export function modelLoadOf(profile: LoadProfile | undefined): ModelLoad | null {
  if (!profile) return null;
  const fit = prefillFit(profile);
  return {
    curve: profile.curve.flatMap((point, level) =>
      point.samples === 0
        ? []
        : [
            {
              in_flight: 2 ** level,
              mean_in_flight: oneDecimal(point.concurrency) ?? 1,
              decode_tps: oneDecimal(point.decodeTps),
              ttft_ms: oneDecimal(point.ttftMs),
              requests: point.samples,
            },
          ],
    ),
    slots: profile.slots,
    solo_decode_tps: oneDecimal(profile.soloDecodeTps),
    prefill_tps: fit && fit.msPerToken > 0 ? oneDecimal(1000 / fit.msPerToken) : null,
    prefill_base_ms: fit ? oneDecimal(fit.baseMs) : null,
    load_ms: oneDecimal(profile.loadMs),
    loaded: profile.loaded,
    last_seen_at: isoTimeOrNull(profile.lastSeenAt),
  };
}
