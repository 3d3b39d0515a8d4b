// Owns the Prometheus text exposition format (0.0.4): HELP/TYPE lines, label escaping, value
// formatting, cumulative histogram buckets. Pure: metric families in, text out.

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
}

/** One labelled histogram; `bucketCounts[i]` counts observations ≤ bounds[i] not counted in a lower bucket. */
export interface HistogramSeries {
  labels: Labels;
  bucketCounts: readonly number[];
  sum: number;
  count: number;
}

export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: Sample[] }
  | { name: string; help: string; type: "histogram"; bounds: readonly number[]; series: HistogramSeries[] };

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Label values: backslash, double quote and line feed are escaped; everything else is literal UTF-8. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === "\\" ? "\\\\" : char === '"' ? '\\"' : "\\n"));
}

/** HELP text: backslash and line feed are escaped (quotes are literal there). */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (char) => (char === "\\" ? "\\\\" : "\\n"));
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function renderHistogram(name: string, bounds: readonly number[], series: HistogramSeries): string[] {
  const lines: string[] = [];
  let cumulative = 0;
  bounds.forEach((bound, i) => {
    cumulative += series.bucketCounts[i] ?? 0;
    lines.push(`${name}_bucket${formatLabels(series.labels, ["le", formatValue(bound)])} ${cumulative}`);
  });
  lines.push(`${name}_bucket${formatLabels(series.labels, ["le", "+Inf"])} ${series.count}`);
  lines.push(`${name}_sum${formatLabels(series.labels)} ${formatValue(series.sum)}`);
  lines.push(`${name}_count${formatLabels(series.labels)} ${series.count}`);
  return lines;
}

/** The whole exposition; families without samples still get their HELP and TYPE lines. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type === "histogram") {
      for (const series of family.series) lines.push(...renderHistogram(family.name, family.bounds, series));
    } else {
      for (const sample of family.samples) {
        lines.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Adds one observation to a bucket count array laid out as in HistogramSeries. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  const index = bounds.findIndex((bound) => value <= bound);
  return index === -1 ? bounds.length : index;
}
