// A uPlot line chart of counts over time (loaded only with the dashboard chunk); width follows its container.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  values: number[];
}

/** `times` in epoch seconds; one line per series. The canvas is described by `summary` for screen readers. */
export function SeriesChart({ times, series, summary, height = 200 }: { times: number[]; series: Series[]; summary: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      legend: { show: false },
      cursor: { show: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{ stroke: '#4f5868' }, { stroke: '#4f5868' }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } }))],
    };
    const plot = new uPlot(opts, [times, ...series.map((s) => s.values)], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, height]);
  return (
    <figure className="chart-figure">
      <div ref={box} className="chart" role="img" aria-label={summary} />
      <figcaption className="muted">{series.map((s) => <span key={s.label}><span aria-hidden="true" style={{ color: s.color }}>■</span> {s.label} </span>)}</figcaption>
    </figure>
  );
}
