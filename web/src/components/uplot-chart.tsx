// Owns the uPlot lifecycle in Preact: create on mount and on theme change, resize with the container,
// push new data without re-creating the chart.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { type Palette, palette, prefersDark } from "../theme.js";

export interface ChartProps {
  /** Builds the options for a width/height and the current colours. */
  options: (width: number, height: number, colors: Palette) => uPlot.Options;
  data: uPlot.AlignedData;
  height: number;
  label: string;
}

export function UplotChart({ options, data, height, label }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  const dark = prefersDark.value;

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = Math.max(200, element.clientWidth);
    const chart = new uPlot(options(width, height, palette()), latest.current, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const next = Math.max(200, element.clientWidth);
      if (next !== chart.width) chart.setSize({ width: next, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [dark, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={host} role="img" aria-label={label} />;
}
