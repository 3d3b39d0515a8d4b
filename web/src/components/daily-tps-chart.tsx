// Owns the daily TPS trend of one endpoint (7 / 30 / 90 days) from /daily-stats; daily TPS =
// output tokens / (duration ms / 1000), summed over the endpoint's models per UTC day.
import { useEffect, useState } from "preact/hooks";
import type uPlot from "uplot";
import { fetchDailyStats } from "../api/calls.js";
import type { DayStats } from "../api/types.js";
import { resyncs } from "../state/model.js";
import type { Palette } from "../theme.js";
import { UplotChart } from "./uplot-chart.js";

const RANGES = [7, 30, 90] as const;
const DAY = 86_400;
const DATE_LABEL = new Intl.DateTimeFormat([], { month: "short", day: "numeric", timeZone: "UTC" });

function perDay(stats: DayStats[]): [number[], (number | null)[]] {
  const days = new Map<string, { tokens: number; ms: number }>();
  for (const stat of stats) {
    const day = days.get(stat.date) ?? { tokens: 0, ms: 0 };
    day.tokens += stat.total_output_tokens ?? 0;
    day.ms += stat.total_duration_ms ?? 0;
    days.set(stat.date, day);
  }
  const sorted = [...days.entries()].sort(([a], [b]) => a.localeCompare(b));
  return [
    sorted.map(([date]) => Date.parse(`${date}T00:00:00Z`) / 1000),
    sorted.map(([, day]) => (day.ms > 0 ? Math.round((day.tokens / (day.ms / 1000)) * 10) / 10 : null)),
  ];
}

function options(width: number, height: number, c: Palette): uPlot.Options {
  const axis = { stroke: c.muted, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid } };
  return {
    width,
    height,
    padding: [8, 24, 0, 0],
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil((max ?? 1) * 1.15))] },
    },
    axes: [
      {
        ...axis,
        // Whole days only, labelled "Nov 16" (the dates are UTC days).
        incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY],
        values: (_u, splits) => splits.map((s) => DATE_LABEL.format(new Date(s * 1000))),
      },
      { ...axis, size: 48 },
    ],
    series: [
      { value: (_u, v) => (v == null ? "—" : new Date(v * 1000).toISOString().slice(0, 10)) },
      {
        label: "TPS",
        stroke: c.accent,
        width: 2,
        points: { show: true, size: 6, fill: c.accent },
        value: (_u, v) => (v == null ? "—" : `${v.toFixed(1)} tok/s`),
      },
    ],
  };
}

/** requestsSeen: the endpoint's (throttled) request count; a change refetches the days. */
export function DailyTpsChart({ endpointId, requestsSeen }: { endpointId: string; requestsSeen?: number }) {
  const [days, setDays] = useState<(typeof RANGES)[number]>(7);
  const [stats, setStats] = useState<DayStats[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const resync = resyncs.value;

  useEffect(() => {
    let current = true;
    fetchDailyStats(endpointId, days)
      .then((loaded) => {
        if (!current) return;
        setStats(loaded);
        setError(null);
      })
      .catch((e: Error) => current && setError(e.message));
    return () => {
      current = false;
    };
  }, [endpointId, days, resync, requestsSeen]);

  const data = stats ? perDay(stats) : null;
  return (
    <section class="daily">
      <header class="card-head">
        <h3>Daily TPS</h3>
        <fieldset class="segmented">
          <legend class="sr-only">Range</legend>
          {RANGES.map((range) => (
            <button key={range} type="button" aria-pressed={range === days} onClick={() => setDays(range)}>
              {range} days
            </button>
          ))}
        </fieldset>
      </header>
      {error && <p class="form-error">{error}</p>}
      {data && data[0].length === 0 && (
        <p class="empty">No traffic in the last {days} days — send a request through llmlb.</p>
      )}
      {data && data[0].length > 0 && (
        <UplotChart
          options={options}
          data={data as uPlot.AlignedData}
          height={160}
          label={`Daily TPS, last ${days} days`}
        />
      )}
    </section>
  );
}
