// Owns the 60-minute request timeline (success vs error per minute), advancing with the model's timeline.
import type uPlot from "uplot";
import { timeline } from "../state/model.js";
import type { Palette } from "../theme.js";
import { UplotChart } from "./uplot-chart.js";

function options(width: number, height: number, c: Palette): uPlot.Options {
  const axis = { stroke: c.muted, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid } };
  return {
    width,
    height,
    padding: [8, 8, 0, 0],
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
    axes: [axis, { ...axis, size: 40 }],
    series: [
      {},
      { label: "Success", stroke: c.success, fill: `${c.success}33`, width: 2, points: { show: false } },
      { label: "Errors", stroke: c.error, fill: `${c.error}33`, width: 2, points: { show: false } },
    ],
  };
}

export function TimelineChart() {
  const points = timeline.value;
  const total = points.reduce((sum, p) => sum + p.success + p.error, 0);
  const data: uPlot.AlignedData = [
    points.map((p) => p.minute / 1000),
    points.map((p) => p.success),
    points.map((p) => p.error),
  ];
  return (
    <section class="card" aria-label="Requests in the last 60 minutes">
      <header class="card-head">
        <h2>Requests, last 60 minutes</h2>
        <span class="muted" data-timeline-total={total}>
          {total} in the window
        </span>
      </header>
      <UplotChart
        options={options}
        data={data}
        height={200}
        label="Requests per minute, success and errors"
      />
    </section>
  );
}
