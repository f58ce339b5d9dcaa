import { DEAL_DRAG } from "../../crm/drag";
import { shown } from "../../crm/money";
import type { Deal } from "../../crm/types";

/** A deal on the board: dragged to another stage, or opened (click, Enter) to move it from its card. */
export function DealTile({ deal, open, selected }: { deal: Deal; open: (id: string) => void; selected: boolean }) {
  return (
    <button
      type="button"
      class={`deal-tile ${selected ? "selected" : ""}`}
      data-deal={deal.id}
      draggable
      onDragStart={(event) => {
        event.dataTransfer?.setData(DEAL_DRAG, deal.id);
        if (event.dataTransfer) event.dataTransfer.effectAllowed = "move";
      }}
      onClick={() => open(deal.id)}
    >
      <span class="title">{deal.title}</span>
      <span class="amount">{shown(deal.amount, deal.currency)}</span>
    </button>
  );
}
