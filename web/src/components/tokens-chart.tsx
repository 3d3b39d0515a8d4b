// Owns the token usage chart: input and output tokens per UTC day or month (bars), from the token series.
import uPlot from "uplot";
import type { Palette } from "../theme.js";
import { UplotChart } from "./uplot-chart.js";

export interface TokenPoint {
  /** YYYY-MM-DD or YYYY-MM, UTC. */
  period: string;
  input_tokens: number;
  output_tokens: number;
}

const DAY_LABEL = new Intl.DateTimeFormat([], { month: "short", day: "numeric", timeZone: "UTC" });
const MONTH_LABEL = new Intl.DateTimeFormat([], { month: "short", year: "numeric", timeZone: "UTC" });

function options(unit: "day" | "month") {
  const label = unit === "day" ? DAY_LABEL : MONTH_LABEL;
  return (width: number, height: number, c: Palette): uPlot.Options => {
    const axis = { stroke: c.muted, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid } };
    // Input left of the period's tick, output right of it: side by side, never hiding each other.
    const left = uPlot.paths.bars?.({ size: [0.4, 24], align: -1 });
    const right = uPlot.paths.bars?.({ size: [0.4, 24], align: 1 });
    return {
      width,
      height,
      padding: [8, 16, 0, 0],
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, Math.max(10, Math.ceil(max * 1.15))] },
      },
      axes: [
        { ...axis, values: (_u, splits) => splits.map((s) => label.format(new Date(s * 1000))) },
        { ...axis, size: 56 },
      ],
      series: [
        { value: (_u, v) => (v == null ? "—" : label.format(new Date(v * 1000))) },
        { label: "Input", stroke: c.accent, fill: `${c.accent}66`, paths: left, points: { show: false } },
        { label: "Output", stroke: c.success, fill: `${c.success}99`, paths: right, points: { show: false } },
      ],
    };
  };
}

const epochSeconds = (period: string) =>
  Date.parse(period.length === 7 ? `${period}-01T00:00:00Z` : `${period}T00:00:00Z`) / 1000;

export function TokensChart({
  points,
  unit,
  label,
}: {
  points: TokenPoint[];
  unit: "day" | "month";
  label: string;
}) {
  const data: uPlot.AlignedData = [
    points.map((p) => epochSeconds(p.period)),
    points.map((p) => p.input_tokens),
    points.map((p) => p.output_tokens),
  ];
  return <UplotChart options={options(unit)} data={data} height={200} label={label} />;
}
