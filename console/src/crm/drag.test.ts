import { describe, expect, it } from "vitest";
import { Conflict, Forbidden } from "./api";
import { dropOf, moveDeal, shownMoved, type Mover } from "./drag";
import { PIPELINE, deal } from "./fixtures.test-support";

const DEALS = new Map([["a", deal("a", { version: 7 })]]);
const stage = (id: string) => {
  const found = PIPELINE.stages.find((s) => s.id === id);
  if (!found) throw new Error(id);
  return found;
};

class FakeMover implements Mover {
  moves: [string, string, number, string][] = [];
  reloads = 0;
  constructor(private readonly answer: () => Promise<{ version: number }>) {}
  move(dealId: string, stageId: string, expectedVersion: number, reason: string) {
    this.moves.push([dealId, stageId, expectedVersion, reason]);
    return this.answer();
  }
  async reload() {
    this.reloads += 1;
  }
}

describe("dropping a deal on a column", () => {
  it("moves it to another stage, and asks why before a lost one", () => {
    expect(dropOf(DEALS, PIPELINE.stages, "a", "offer")).toMatchObject({ kind: "move", stage: { id: "offer" } });
    expect(dropOf(DEALS, PIPELINE.stages, "a", "lost")).toMatchObject({ kind: "needs_reason" });
  });

  it("does nothing where it already is, or for what is not this board's", () => {
    expect(dropOf(DEALS, PIPELINE.stages, "a", "new")).toEqual({ kind: "stay" });
    expect(dropOf(DEALS, PIPELINE.stages, "zz", "offer")).toEqual({ kind: "unknown" });
    expect(dropOf(DEALS, PIPELINE.stages, "a", "elsewhere")).toEqual({ kind: "unknown" });
  });

  it("shows the deal in its new stage at once", () => {
    expect(shownMoved(deal("a"), stage("won"))).toMatchObject({ stage_id: "won", stage_name: "Won", stage_kind: "won", version: 1 });
  });
});

describe("moving a deal", () => {
  it("sends the version the board showed, and the reason", async () => {
    const mover = new FakeMover(async () => ({ version: 8 }));
    expect(await moveDeal(mover, deal("a", { version: 7 }), stage("lost"), "too dear")).toEqual({ outcome: "moved", version: 8 });
    expect(mover.moves).toEqual([["a", "lost", 7, "too dear"]]);
    expect(mover.reloads).toBe(0);
  });

  it("reads the board again when the deal changed meanwhile (409), and says so", async () => {
    const mover = new FakeMover(() => Promise.reject(new Conflict("changed", 9)));
    const moved = await moveDeal(mover, deal("a", { title: "Tyres" }), stage("offer"));
    expect(moved.outcome).toBe("reloaded");
    expect(moved.outcome === "reloaded" && moved.notice).toContain("“Tyres” changed meanwhile");
    expect(mover.reloads).toBe(1);
  });

  it("puts the deal back as it is when the move is refused", async () => {
    const mover = new FakeMover(() => Promise.reject(new Forbidden("no deal among those you may see")));
    const moved = await moveDeal(mover, deal("a", { title: "Tyres" }), stage("offer"));
    expect(moved).toEqual({ outcome: "refused", notice: "“Tyres” not moved: your role may not move it (no deal among those you may see)" });
    expect(mover.reloads).toBe(1);
  });
});
