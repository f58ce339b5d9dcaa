// A pipeline's board: its stages in order as columns, the deals in each, and the totals per currency.

import { totalsByCurrency } from "./money";
import type { Deal, Pipeline, Stage } from "./types";

export interface Column {
  stage: Stage;
  deals: Deal[];
  totals: [string, string][]; // [currency, amount]
}

/** The columns of ``pipeline``'s board; a deal of another pipeline or an unknown stage is left out. */
export function columns(pipeline: Pipeline, deals: Iterable<Deal>): Column[] {
  const byStage = new Map<string, Deal[]>(pipeline.stages.map((s) => [s.id, []]));
  for (const deal of deals) {
    if (deal.pipeline_id === pipeline.id) byStage.get(deal.stage_id)?.push(deal);
  }
  return pipeline.stages.map((stage) => {
    const inStage = (byStage.get(stage.id) ?? []).sort(latestFirst);
    return { stage, deals: inStage, totals: totalsByCurrency(inStage, (d) => d.amount, (d) => d.currency) };
  });
}

function latestFirst(a: Deal, b: Deal): number {
  return b.opened_at.localeCompare(a.opened_at) || a.id.localeCompare(b.id);
}

/**
 * The board's deals after a live change: a deal told again replaces the one shown unless it is older
 * (a late frame must not undo a newer read); a deal moved to another pipeline leaves this board.
 */
export function withDeal(deals: ReadonlyMap<string, Deal>, deal: Deal, pipelineId: string): Map<string, Deal> {
  const next = new Map(deals);
  const known = deals.get(deal.id);
  if (known && known.version > deal.version) return next;
  if (deal.pipeline_id === pipelineId) next.set(deal.id, deal);
  else next.delete(deal.id);
  return next;
}

export function withoutDeal(deals: ReadonlyMap<string, Deal>, dealId: string): Map<string, Deal> {
  const next = new Map(deals);
  next.delete(dealId);
  return next;
}
