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

/** A report drawn as bars (a funnel lies on its side), redrawn in place when the figures change. */
export function ReportChart({ data }: { data: ChartData }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"bar"> | null>(null);

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: "bar",
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" } },
        // Counts of deals and tasks: whole steps on the scale, never 0.5 of a deal.
        scales: { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 } } },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const drawn = chart.current;
    if (!drawn) return;
    drawn.data.labels = data.labels;
    drawn.data.datasets = data.datasets.map((set, i) => ({ ...set, backgroundColor: COLOURS[i % COLOURS.length] ?? "#2d5be3" }));
    drawn.options.indexAxis = data.horizontal ? "y" : "x";
    drawn.update();
  }, [data]);

  return (
    <figure class="report-chart">
      <canvas ref={canvas} id="report-canvas" role="img" aria-label={describe(data)} />
    </figure>
  );
}
