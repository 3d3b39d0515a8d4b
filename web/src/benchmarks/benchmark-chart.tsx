// Owns the benchmark bar chart: per endpoint, throughput (tok/s) and mean decode speed side by side (uPlot).
import uPlot from "uplot";
import type { BenchmarkResultJson } from "../api/types.js";
import { UplotChart } from "../components/uplot-chart.js";
import type { Palette } from "../theme.js";

function options(names: string[]) {
  return (width: number, height: number, c: Palette): uPlot.Options => {
    const axis = { stroke: c.muted, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid } };
    const indices = names.map((_, i) => i);
    return {
      width,
      height,
      padding: [8, 8, 0, 0],
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      legend: { show: true },
      scales: {
        x: { time: false, range: () => [-0.5, Math.max(0.5, names.length - 0.5)] },
        y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil((max || 1) * 1.15))] },
      },
      axes: [
        {
          ...axis,
          splits: () => indices,
          values: (_u, splits) => splits.map((i) => names[i] ?? ""),
          grid: { show: false },
        },
        { ...axis, size: 48, label: "tok/s" },
      ],
      series: [
        { label: "Endpoint", value: (_u, index) => (index === null ? "—" : (names[index] ?? "—")) },
        {
          label: "Throughput",
          stroke: c.accent,
          fill: `${c.accent}cc`,
          paths: uPlot.paths.bars?.({ size: [0.3, 60], align: -1 }),
          points: { show: false },
        },
        {
          label: "Decode",
          stroke: c.success,
          fill: `${c.success}cc`,
          paths: uPlot.paths.bars?.({ size: [0.3, 60], align: 1 }),
          points: { show: false },
        },
      ],
    };
  };
}

export function BenchmarkChart({ results }: { results: BenchmarkResultJson[] }) {
  const names = results.map((result) => result.endpoint_name);
  const data: uPlot.AlignedData = [
    results.map((_, i) => i),
    results.map((result) => result.tps),
    results.map((result) => result.decode_tps),
  ];
  // Options depend on the names: a new set of endpoints re-creates the chart.
  return (
    <UplotChart
      key={names.join("\u0000")}
      options={options(names)}
      data={data}
      height={220}
      label={`Tokens per second by endpoint: ${results.map((r) => `${r.endpoint_name} ${r.tps ?? "—"}`).join(", ")}`}
    />
  );
}
