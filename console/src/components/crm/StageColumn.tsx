import { useState } from "preact/hooks";
import type { Column } from "../../crm/board";
import { DEAL_DRAG } from "../../crm/drag";
import { shown } from "../../crm/money";
import { DealTile } from "./DealTile";

interface Props {
  column: Column;
  current: string | null;
  open: (dealId: string) => void;
  dropped: (dealId: string, stageId: string) => void;
}

/** One stage of the board: its deals, what they add up to per currency, and a place to drop a deal. */
export function StageColumn({ column, current, open, dropped }: Props) {
  const [over, setOver] = useState(false);
  const { stage, deals, totals } = column;
  const carriesDeal = (event: DragEvent) => Boolean(event.dataTransfer?.types.includes(DEAL_DRAG));
  return (
    <section
      class={`stage ${stage.kind} ${over ? "over" : ""}`}
      data-stage={stage.id}
      aria-label={stage.name}
      onDragOver={(event) => {
        if (!carriesDeal(event)) return;
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        setOver(false);
        const dealId = event.dataTransfer?.getData(DEAL_DRAG);
        if (!dealId) return;
        event.preventDefault();
        dropped(dealId, stage.id);
      }}
    >
      <header>
        <h3>{stage.name}</h3>
        <span class="count">{deals.length}</span>
      </header>
      <ul class="totals" aria-label={`Total in ${stage.name}`}>
        {totals.map(([currency, amount]) => (
          <li key={currency} data-currency={currency}>
            {shown(amount, currency)}
          </li>
        ))}
      </ul>
      <div class="deals">
        {deals.map((deal) => (
          <DealTile key={deal.id} deal={deal} open={open} selected={deal.id === current} />
        ))}
      </div>
    </section>
  );
}
