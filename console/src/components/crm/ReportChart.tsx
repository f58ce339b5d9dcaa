import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { useEffect, useRef } from "preact/hooks";
import type { ChartData } from "../../crm/chartData";

// Only the parts drawn here are registered, so the bundle carries bars and nothing else.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLOURS = ["#2d5be3", "#16a34a", "#b42318", "#d97706", "#7c3aed", "#0ea5e9"];

/** What the chart shows, in words: for screen readers, and for whoever checks what was drawn. */
export function describe(data: ChartData): string {
  return data.datasets.map((set) => `${set.label}: ${data.labels.map((l, i) => `${l} ${set.data[i] ?? 0}`).join(", ")}`).join("; ");
}

/** A new bar chart on ``canvas``; its orientation is fixed at birth, as Chart.js sets its scales up then. */
function barChart(canvas: HTMLCanvasElement, horizontal: boolean): Chart<"bar"> {
  const values = horizontal ? "x" : "y";
  return new Chart(canvas, {
    type: "bar",
    data: { labels: [], datasets: [] },
    options: {
      indexAxis: horizontal ? "y" : "x",
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: "bottom" } },
      // Counts of deals and tasks: whole steps on the scale, never 0.5 of a deal.
      scales: { [values]: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

/** A report drawn as bars (a funnel lies on its side), redrawn in place when the figures change. */
export function ReportChart({ data }: { data: ChartData }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<{ drawn: Chart<"bar">; horizontal: boolean } | null>(null);

  useEffect(() => {
    if (!canvas.current) return;
    if (chart.current && chart.current.horizontal !== data.horizontal) {
      chart.current.drawn.destroy();
      chart.current = null;
    }
    chart.current ??= { drawn: barChart(canvas.current, data.horizontal), horizontal: data.horizontal };
    const { drawn } = chart.current;
    drawn.data.labels = data.labels;
    drawn.data.datasets = data.datasets.map((set, i) => ({ ...set, backgroundColor: COLOURS[i % COLOURS.length] ?? "#2d5be3" }));
    drawn.update();
  }, [data]);

  useEffect(
    () => () => {
      chart.current?.drawn.destroy();
      chart.current = null;
    },
    [],
  );

  return (
    <figure class="report-chart">
      <canvas ref={canvas} id="report-canvas" role="img" aria-label={describe(data)} />
    </figure>
  );
}
