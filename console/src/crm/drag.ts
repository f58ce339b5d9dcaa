// Moving a deal on the board, by drag and drop or from the keyboard: what a drop means, and the move
// itself through the stage-move route, with the version the board showed.

import { Conflict, Forbidden } from "./api";
import type { Deal, Stage } from "./types";

/** The drag's data type: only a deal of this board can be dropped on a column. */
export const DEAL_DRAG = "application/x-switchboard-deal";

export type Drop =
  | { kind: "stay" } // dropped where it already is
  | { kind: "move"; deal: Deal; stage: Stage }
  | { kind: "needs_reason"; deal: Deal; stage: Stage } // a lost stage: the user says why
  | { kind: "unknown" }; // not a deal or a stage of this board (another tab's drag, a stale card)

/** What dropping deal ``dealId`` on stage ``stageId`` asks for. */
export function dropOf(deals: ReadonlyMap<string, Deal>, stages: readonly Stage[], dealId: string, stageId: string): Drop {
  const deal = deals.get(dealId);
  const stage = stages.find((s) => s.id === stageId);
  if (!deal || !stage) return { kind: "unknown" };
  if (deal.stage_id === stage.id) return { kind: "stay" };
  return stage.kind === "lost" ? { kind: "needs_reason", deal, stage } : { kind: "move", deal, stage };
}

/** The deal as the board shows it until the gateway tells the move: in its new stage at once. */
export function shownMoved(deal: Deal, stage: Stage): Deal {
  return { ...deal, stage_id: stage.id, stage_name: stage.name, stage_kind: stage.kind };
}

export type Moved =
  | { outcome: "moved"; version: number }
  | { outcome: "reloaded"; notice: string } // someone changed it meanwhile: the board reads it again
  | { outcome: "refused"; notice: string };

export interface Mover {
  move(dealId: string, stageId: string, expectedVersion: number, reason: string): Promise<{ version: number }>;
  reload(): Promise<void>;
}

/**
 * Move ``deal`` to ``stage`` if it is still at the version shown. A deal changed meanwhile is not
 * moved over the change: the board is read again and the user sees the deal as it now is.
 */
export async function moveDeal(mover: Mover, deal: Deal, stage: Stage, reason = ""): Promise<Moved> {
  try {
    const { version } = await mover.move(deal.id, stage.id, deal.version, reason);
    return { outcome: "moved", version };
  } catch (problem) {
    if (problem instanceof Conflict) {
      await mover.reload();
      return { outcome: "reloaded", notice: `“${deal.title}” changed meanwhile: here it is as it is now; move it again if still needed` };
    }
    await mover.reload(); // the move shown at once did not happen: show the board as it is
    const why = problem instanceof Forbidden ? `your role may not move it (${problem.message})` : problem instanceof Error ? problem.message : String(problem);
    return { outcome: "refused", notice: `“${deal.title}” not moved: ${why}` };
  }
}
