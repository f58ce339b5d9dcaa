// Reports shaped for a chart: which column names the bars, which figures are drawn. Counts (JSON
// numbers) are drawn; amounts (decimal text) only when a report has no counts, one bar per currency,
// since amounts in different currencies are never added or drawn on one scale as if they were one.

import type { Cell, ReportTable } from "./types";

export interface ChartData {
  labels: string[];
  datasets: { label: string; data: number[] }[];
  horizontal: boolean;
}

const FUNNELS = new Set(["funnel", "deal-board"]);
// The column that names a bar, by preference: a deal listed by its title, else what the figures are per.
const NAME_COLUMNS = ["title", "stage", "manager", "responsible", "department", "queue", "company", "contact", "product", "pipeline"];

function isId(column: string): boolean {
  return column === "id" || column.endsWith("_id");
}

function text(cell: Cell | undefined): string {
  return cell === null || cell === undefined ? "—" : String(cell);
}

/** The chart of a report's table, or null when it has nothing to draw. */
export function chartOf(table: ReportTable, pipelineId = ""): ChartData | null {
  if (table.rows.length === 0) return null;
  if (FUNNELS.has(table.report)) return funnel(table, pipelineId);
  if (table.report === "funnel-conversion") return conversion(table, pipelineId);
  return generic(table);
}

/** The pipeline a funnel shows: the one asked for, else the first in the table. */
export function funnelPipeline(table: ReportTable, pipelineId: string): string {
  const first = table.rows[0]?.pipeline_id;
  return pipelineId || (typeof first === "string" ? first : "");
}

/** Deals now in each stage of one pipeline, in the pipeline's order, all currencies counted together. */
function funnel(table: ReportTable, pipelineId: string): ChartData {
  const shown = funnelPipeline(table, pipelineId);
  const counts = new Map<string, number>();
  for (const row of table.rows) {
    if (row.pipeline_id !== shown) continue;
    const stage = text(row.stage);
    counts.set(stage, (counts.get(stage) ?? 0) + Number(row.deals ?? 0));
  }
  return { labels: [...counts.keys()], datasets: [{ label: "deals", data: [...counts.values()] }], horizontal: true };
}

/** How many deals entered each stage of one pipeline in the period (a row per later stage repeats it). */
function conversion(table: ReportTable, pipelineId: string): ChartData {
  const shown = funnelPipeline(table, pipelineId);
  const entered = new Map<string, number>();
  for (const row of table.rows) {
    if (row.pipeline_id === shown) entered.set(text(row.stage), Number(row.entered ?? 0));
  }
  return { labels: [...entered.keys()], datasets: [{ label: "entered", data: [...entered.values()] }], horizontal: true };
}

function generic(table: ReportTable): ChartData | null {
  const first = table.rows[0] ?? {};
  const name = NAME_COLUMNS.find((c) => table.columns.includes(c)) ?? table.columns.find((c) => !isId(c) && c !== "currency" && typeof first[c] === "string");
  if (!name) return null;
  const counts = table.columns.filter((c) => !isId(c) && table.rows.every((r) => r[c] === null || typeof r[c] === "number"));
  const amounts = table.columns.filter(
    (c) => !isId(c) && c !== name && c !== "currency" && table.rows.every((r) => typeof r[c] === "string" && /^-?\d+(\.\d+)?$/.test(r[c])),
  );
  const figures = counts.length ? counts : amounts.filter((c) => !c.endsWith("share"));
  if (figures.length === 0) return null;
  const byCurrency = table.columns.includes("currency");
  const labels = table.rows.map((r) => (byCurrency && !counts.length ? `${text(r[name])} (${text(r.currency)})` : text(r[name])));
  if (byCurrency && counts.length) {
    // One row per name and currency: the counts of one name are added across its currencies.
    const merged = new Map<string, number[]>();
    for (const row of table.rows) {
      const key = text(row[name]);
      const sums = merged.get(key) ?? figures.map(() => 0);
      figures.forEach((c, i) => (sums[i] = (sums[i] ?? 0) + Number(row[c] ?? 0)));
      merged.set(key, sums);
    }
    return {
      labels: [...merged.keys()],
      datasets: figures.map((c, i) => ({ label: c, data: [...merged.values()].map((sums) => sums[i] ?? 0) })),
      horizontal: false,
    };
  }
  return { labels, datasets: figures.map((c) => ({ label: c, data: table.rows.map((r) => Number(r[c] ?? 0)) })), horizontal: false };
}
