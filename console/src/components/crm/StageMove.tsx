import { useState } from "preact/hooks";
import type { Deal, Stage } from "../../crm/types";

interface Props {
  deal: Deal;
  stages: readonly Stage[];
  move: (stage: Stage, reason: string) => Promise<void>;
}

/** Move the deal from the keyboard: choose the stage (and, for a lost one, why), then Move. */
export function StageMove({ deal, stages, move }: Props) {
  const [stageId, setStageId] = useState(deal.stage_id);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const target = stages.find((s) => s.id === stageId);
  const lost = target?.kind === "lost";
  const ready = target !== undefined && target.id !== deal.stage_id && (!lost || reason.trim() !== "");
  return (
    <form
      class="stage-move"
      onSubmit={(event) => {
        event.preventDefault();
        if (!ready || !target) return;
        setBusy(true);
        void move(target, reason.trim()).finally(() => setBusy(false));
      }}
    >
      <label>
        Stage{" "}
        <select id="move-stage" value={stageId} onChange={(e) => setStageId(e.currentTarget.value)}>
          {stages.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      {lost && (
        <input id="lost-reason" placeholder="Why was it lost?" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      )}
      <button id="move-deal" type="submit" disabled={!ready || busy}>
        Move
      </button>
    </form>
  );
}
