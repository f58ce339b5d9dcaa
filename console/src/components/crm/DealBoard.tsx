import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { crm } from "../../crm/api";
import { columns, withDeal, withoutDeal } from "../../crm/board";
import { dropOf, moveDeal, shownMoved } from "../../crm/drag";
import type { Deal, FrameSource, Pipeline } from "../../crm/types";
import { Problem } from "./Problem";
import { StageColumn } from "./StageColumn";
import { useLoaded } from "./useLoaded";

interface Props {
  token: string;
  frames: FrameSource;
  current: string | null;
  open: (dealId: string) => void;
}

/** Why a deal is lost, asked when it is dropped on a lost stage; empty: not moved. */
function lostReason(deal: Deal): string {
  return window.prompt(`Why was “${deal.title}” lost?`)?.trim() ?? "";
}

/**
 * A pipeline's deals by stage, as the gateway lets this operator see them, kept live by the socket's
 * deal frames; a deal dragged to another column is moved at the version shown.
 */
export function DealBoard({ token, frames, current, open }: Props) {
  const pipelines = useLoaded(() => crm.pipelines(token), token);
  const [chosenId, choose] = useState("");
  const pipeline: Pipeline | null = pipelines.value?.find((p) => p.id === chosenId) ?? pipelines.value?.[0] ?? null;
  const pipelineId = pipeline?.id ?? "";
  const loaded = useLoaded(() => (pipelineId ? crm.deals(token, pipelineId) : Promise.resolve([])), `${token} ${pipelineId}`);
  const [deals, setDeals] = useState<ReadonlyMap<string, Deal>>(new Map());
  const [notice, setNotice] = useState("");
  const known = useRef(new Set<string>());
  known.current = new Set((pipelines.value ?? []).map((p) => p.id));

  useEffect(() => setDeals(new Map((loaded.value ?? []).map((d) => [d.id, d]))), [loaded.value]);

  useEffect(
    () =>
      frames((frame) => {
        if (frame.type === "deal") {
          setDeals((shownDeals) => withDeal(shownDeals, frame.deal, pipelineId));
          // A deal in a pipeline this board has not heard of: the pipeline is new, or was not yet read.
          if (!known.current.has(frame.deal.pipeline_id)) void pipelines.reload();
        }
        else if (frame.type === "deal_removed") setDeals((shownDeals) => withoutDeal(shownDeals, frame.id));
        else if (frame.type === "ready") void loaded.reload(); // back after a drop: what changed meanwhile
      }),
    [frames, pipelineId, loaded.reload, pipelines.reload],
  );

  const board = useMemo(() => (pipeline ? columns(pipeline, deals.values()) : []), [pipeline, deals]);

  async function dropped(dealId: string, stageId: string) {
    if (!pipeline) return;
    const drop = dropOf(deals, pipeline.stages, dealId, stageId);
    if (drop.kind === "stay" || drop.kind === "unknown") return;
    const reason = drop.kind === "needs_reason" ? lostReason(drop.deal) : "";
    if (drop.kind === "needs_reason" && !reason) return;
    setDeals((shownDeals) => new Map(shownDeals).set(drop.deal.id, shownMoved(drop.deal, drop.stage)));
    const mover = { move: (id: string, stage: string, version: number, why: string) => crm.move(token, id, stage, version, why), reload: loaded.reload };
    const moved = await moveDeal(mover, drop.deal, drop.stage, reason);
    if (moved.outcome === "moved") {
      // The version the move made, so a next move before the live frame is not refused as stale.
      setDeals((shownDeals) => {
        const now = shownDeals.get(dealId);
        return now && now.version < moved.version ? new Map(shownDeals).set(dealId, { ...now, version: moved.version }) : shownDeals;
      });
    }
    setNotice(moved.outcome === "moved" ? "" : moved.notice);
  }

  return (
    <div id="board-screen">
      <div class="board-bar">
        <label>
          Pipeline{" "}
          <select id="pipeline" value={pipelineId} onChange={(e) => choose(e.currentTarget.value)}>
            {(pipelines.value ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <span id="board-notice" role="alert">
          {notice}
        </span>
      </div>
      <Problem problem={pipelines.problem || loaded.problem} forbidden={pipelines.forbidden || loaded.forbidden} />
      {pipelines.value && pipelines.value.length === 0 && <p class="muted">No pipeline yet: the first deal opened makes one.</p>}
      <div id="board">
        {board.map((column) => (
          <StageColumn key={column.stage.id} column={column} current={current} open={open} dropped={(d, s) => void dropped(d, s)} />
        ))}
      </div>
    </div>
  );
}
