import { describe, expect, it } from "vitest";
import { columns, withDeal, withoutDeal } from "./board";
import { PIPELINE, deal } from "./fixtures.test-support";

describe("the deal board", () => {
  it("has a column per stage in the pipeline's order, each with its deals and totals per currency", () => {
    const board = columns(PIPELINE, [
      deal("a", { amount: "100.00" }),
      deal("b", { amount: "250.50" }),
      deal("c", { amount: "30", currency: "USD" }),
      deal("d", { stage_id: "won", amount: "999.99" }),
    ]);
    expect(board.map((c) => c.stage.name)).toEqual(["New", "Proposal", "Won", "Lost"]);
    expect(board[0]?.deals.map((d) => d.id).sort()).toEqual(["a", "b", "c"]);
    expect(board[0]?.totals).toEqual([
      ["EUR", "350.50"],
      ["USD", "30"],
    ]);
    expect(board[1]?.deals).toEqual([]);
    expect(board[1]?.totals).toEqual([]);
    expect(board[2]?.totals).toEqual([["EUR", "999.99"]]);
  });

  it("leaves out deals of another pipeline or of a stage it does not have", () => {
    const board = columns(PIPELINE, [deal("a", { pipeline_id: "p2" }), deal("b", { stage_id: "gone" })]);
    expect(board.flatMap((c) => c.deals)).toEqual([]);
  });

  it("takes a live deal in, replacing the one shown, unless the one shown is newer", () => {
    const shown = new Map([["a", deal("a", { version: 3, stage_id: "offer" })]]);
    expect(withDeal(shown, deal("a", { version: 4, stage_id: "won" }), "p1").get("a")?.stage_id).toBe("won");
    expect(withDeal(shown, deal("a", { version: 2, stage_id: "new" }), "p1").get("a")?.stage_id).toBe("offer");
    expect(withDeal(shown, deal("b"), "p1").has("b")).toBe(true);
  });

  it("lets a deal moved to another pipeline, or taken away, leave the board", () => {
    const shown = new Map([["a", deal("a")]]);
    expect(withDeal(shown, deal("a", { version: 2, pipeline_id: "p2" }), "p1").has("a")).toBe(false);
    expect(withoutDeal(shown, "a").size).toBe(0);
    expect(shown.size).toBe(1); // the board's state is replaced, never changed in place
  });
});
