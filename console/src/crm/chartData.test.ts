import { describe, expect, it } from "vitest";
import { chartOf } from "./chartData";
import type { ReportTable } from "./types";

const BOARD = ["pipeline_id", "pipeline", "stage_id", "stage", "stage_kind", "currency", "deals", "amount"];

function funnelRow(pipeline: string, stage: string, currency: string | null, deals: number, amount = "0") {
  return { pipeline_id: pipeline, pipeline: pipeline.toUpperCase(), stage_id: `${pipeline}-${stage}`, stage, stage_kind: "in_progress", currency, deals, amount };
}

describe("the funnel as a chart", () => {
  const table: ReportTable = {
    report: "funnel",
    columns: BOARD,
    rows: [
      funnelRow("p1", "New", "EUR", 3, "300"),
      funnelRow("p1", "New", "USD", 1, "10"),
      funnelRow("p1", "Proposal", null, 0),
      funnelRow("p1", "Won", "EUR", 2, "200"),
      funnelRow("p2", "Intake", "EUR", 5, "5"),
    ],
  };

  it("draws one pipeline's stages in order, lying on its side, every currency's deals counted together", () => {
    expect(chartOf(table)).toEqual({ labels: ["New", "Proposal", "Won"], datasets: [{ label: "deals", data: [4, 0, 2] }], horizontal: true });
  });

  it("draws the pipeline the filter asks for", () => {
    expect(chartOf(table, "p2")?.labels).toEqual(["Intake"]);
  });

  it("draws the deals that entered each stage for the conversion funnel", () => {
    const conversion: ReportTable = {
      report: "funnel-conversion",
      columns: ["pipeline_id", "stage", "entered", "later_stage", "reached", "share"],
      rows: [
        { pipeline_id: "p1", stage: "New", entered: 10, later_stage: "Proposal", reached: 4, share: "0.4000" },
        { pipeline_id: "p1", stage: "New", entered: 10, later_stage: "Won", reached: 1, share: "0.1000" },
        { pipeline_id: "p1", stage: "Proposal", entered: 4, later_stage: "Won", reached: 1, share: "0.2500" },
      ],
    };
    expect(chartOf(conversion)).toEqual({ labels: ["New", "Proposal"], datasets: [{ label: "entered", data: [10, 4] }], horizontal: true });
  });
});

describe("other reports as charts", () => {
  it("draws the counts per name, adding one name's currencies together", () => {
    const table: ReportTable = {
      report: "deals-by-manager",
      columns: ["manager_id", "manager", "currency", "deals", "won", "lost", "won_share", "lost_share", "income"],
      rows: [
        { manager_id: "1", manager: "Anna", currency: "EUR", deals: 3, won: 1, lost: 0, won_share: "0.3333", lost_share: "0", income: "100" },
        { manager_id: "1", manager: "Anna", currency: "USD", deals: 1, won: 1, lost: 0, won_share: "1", lost_share: "0", income: "5" },
        { manager_id: "2", manager: "Boris", currency: "EUR", deals: 2, won: 0, lost: 1, won_share: "0", lost_share: "0.5", income: "0" },
      ],
    };
    expect(chartOf(table)).toEqual({
      labels: ["Anna", "Boris"],
      datasets: [
        { label: "deals", data: [4, 2] },
        { label: "won", data: [2, 0] },
        { label: "lost", data: [0, 1] },
      ],
      horizontal: false,
    });
  });

  it("draws amounts only when there are no counts, one bar per name and currency", () => {
    const table: ReportTable = {
      report: "product-income",
      columns: ["product_id", "product", "currency", "income"],
      rows: [
        { product_id: "x", product: "Tyre", currency: "EUR", income: "120.50" },
        { product_id: "x", product: "Tyre", currency: "USD", income: "10" },
      ],
    };
    expect(chartOf(table)).toEqual({
      labels: ["Tyre (EUR)", "Tyre (USD)"],
      datasets: [{ label: "income", data: [120.5, 10] }],
      horizontal: false,
    });
  });

  it("names a listed deal's bar by its title, not by its stage or manager", () => {
    const table: ReportTable = {
      report: "overdue-deals",
      columns: ["deal_id", "title", "pipeline", "stage", "responsible", "amount", "currency", "days_overdue"],
      rows: [{ deal_id: "d", title: "Tyres", pipeline: "Sales", stage: "New", responsible: "Anna", amount: "100.00", currency: "EUR", days_overdue: 3 }],
    };
    expect(chartOf(table)).toEqual({ labels: ["Tyres"], datasets: [{ label: "days_overdue", data: [3] }], horizontal: false });
  });

  it("never names a bar by its currency", () => {
    const table: ReportTable = {
      report: "company-profitability",
      columns: ["company_id", "currency", "name", "won", "income"],
      rows: [{ company_id: "c", currency: "EUR", name: "Acme", won: 2, income: "300" }],
    };
    expect(chartOf(table)?.labels).toEqual(["Acme"]);
  });

  it("has nothing to draw for no rows, or for rows without figures", () => {
    expect(chartOf({ report: "won-deals", columns: ["title"], rows: [] })).toBeNull();
    expect(chartOf({ report: "x", columns: ["title"], rows: [{ title: "only words" }] })).toBeNull();
  });
});
