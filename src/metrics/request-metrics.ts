// Owns the Prometheus request metrics of this process: counters and TTFT/duration histograms per
// endpoint × model × api kind, fed by RequestCompleted events from the bus (never by the proxy's hot path).
import type { EventBus } from "../events/bus.js";
import type { CompletionRecord } from "../events/types.js";
import {
  bucketIndex,
  type HistogramSeries,
  type Labels,
  type MetricFamily,
  type Sample,
} from "./prom-text.js";

/** Time to first byte from the upstream, seconds. */
export const TTFT_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] as const;
/** Whole-request (whole-stream) duration, seconds. */
export const DURATION_BOUNDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

/** Sums are kept in ms (integers from the records, so exact) and exposed in seconds. */
interface Histogram {
  bucketCounts: number[];
  sumMs: number;
  count: number;
}

interface Series {
  labels: Labels;
  success: number;
  error: number;
  inputTokens: number;
  outputTokens: number;
  ttft: Histogram;
  duration: Histogram;
}

export interface RequestMetrics {
  observe(record: CompletionRecord): void;
  families(): MetricFamily[];
}

/**
 * Labels: endpoint_id and endpoint (name) are empty for requests no endpoint took (e.g. unknown model);
 * model is the endpoint's own model id when an endpoint served it (as TPS is keyed), else the requested name.
 */
export function labelsOf(record: CompletionRecord): Labels {
  return {
    endpoint_id: record.endpoint_id ?? "",
    endpoint: record.endpoint_name ?? "",
    model: record.endpoint_model ?? record.model,
    api_kind: record.api_kind,
  };
}

/**
 * One series per label set. Runs for every request: the labels object and its `JSON.stringify` were
 * ≈ 0.6 % of Bun's busy CPU samples at c=50; joining the values costs neither. The endpoint id is a UUID or
 * empty and the API kind a fixed word, so a NUL can only stand inside the name or the model: the lengths
 * in front keep "a␀b" + "c" and "a" + "b␀c" apart.
 */
function seriesKey(record: CompletionRecord): string {
  const name = record.endpoint_name ?? "";
  const model = record.endpoint_model ?? record.model;
  return `${record.endpoint_id ?? ""}\u0000${record.api_kind}\u0000${name.length}\u0000${name}\u0000${model}`;
}

const emptyHistogram = (bounds: readonly number[]): Histogram => ({
  bucketCounts: new Array<number>(bounds.length + 1).fill(0),
  sumMs: 0,
  count: 0,
});

function addTo(histogram: Histogram, bounds: readonly number[], ms: number): void {
  const index = bucketIndex(bounds, ms / 1000);
  histogram.bucketCounts[index] = (histogram.bucketCounts[index] ?? 0) + 1;
  histogram.sumMs += ms;
  histogram.count += 1;
}

export function createRequestMetrics(): RequestMetrics {
  const series = new Map<string, Series>();

  return {
    observe(record) {
      const key = seriesKey(record);
      let entry = series.get(key);
      if (!entry) {
        entry = {
          labels: labelsOf(record),
          success: 0,
          error: 0,
          inputTokens: 0,
          outputTokens: 0,
          ttft: emptyHistogram(TTFT_BOUNDS),
          duration: emptyHistogram(DURATION_BOUNDS),
        };
        series.set(key, entry);
      }
      entry[record.status] += 1;
      entry.inputTokens += record.input_tokens;
      entry.outputTokens += record.output_tokens;
      if (record.ttft_ms !== null) addTo(entry.ttft, TTFT_BOUNDS, record.ttft_ms);
      addTo(entry.duration, DURATION_BOUNDS, record.duration_ms);
    },

    families() {
      const all = [...series.values()];
      const requests: Sample[] = all.flatMap((entry) =>
        (["success", "error"] as const)
          .filter((outcome) => entry[outcome] > 0)
          .map((outcome) => ({ labels: { ...entry.labels, outcome }, value: entry[outcome] })),
      );
      const histogram = (pick: (entry: Series) => Histogram): HistogramSeries[] =>
        all
          .map((entry) => ({ labels: entry.labels, ...pick(entry) }))
          .filter((h) => h.count > 0)
          .map((h) => ({
            labels: h.labels,
            bucketCounts: h.bucketCounts,
            sum: h.sumMs / 1000,
            count: h.count,
          }));
      return [
        {
          name: "llmlb_requests_total",
          help: "Proxied requests finished by this process, by endpoint, model, api kind and outcome.",
          type: "counter",
          samples: requests,
        },
        {
          name: "llmlb_input_tokens_total",
          help: "Prompt tokens of proxied requests (reported by the upstream, else estimated).",
          type: "counter",
          samples: all.map((entry) => ({ labels: entry.labels, value: entry.inputTokens })),
        },
        {
          name: "llmlb_output_tokens_total",
          help: "Generated tokens of proxied requests (reported by the upstream, else estimated).",
          type: "counter",
          samples: all.map((entry) => ({ labels: entry.labels, value: entry.outputTokens })),
        },
        {
          name: "llmlb_ttft_seconds",
          help: "Time to first token: from sending a request upstream to its first response byte.",
          type: "histogram",
          bounds: TTFT_BOUNDS,
          series: histogram((entry) => entry.ttft),
        },
        {
          name: "llmlb_request_duration_seconds",
          help: "Whole-request duration (streams: until the last byte), all outcomes.",
          type: "histogram",
          bounds: DURATION_BOUNDS,
          series: histogram((entry) => entry.duration),
        },
      ];
    },
  };
}

/** Feeds the metrics from RequestCompleted events; returns the unsubscribe function. */
export function observeCompletions(bus: EventBus, metrics: RequestMetrics): () => void {
  return bus.subscribe((event) => {
    if (event.type === "RequestCompleted") metrics.observe(event.data);
  });
}
