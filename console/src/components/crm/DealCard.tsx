import { useEffect, useState } from "preact/hooks";
import { crm } from "../../crm/api";
import { moveDeal } from "../../crm/drag";
import { shown } from "../../crm/money";
import type { FrameSource, RecordRef, Stage } from "../../crm/types";
import { ActivityList } from "./ActivityList";
import { DealLines } from "./DealLines";
import { Problem } from "./Problem";
import { StageMove } from "./StageMove";
import { Timeline } from "./Timeline";
import { useLoaded } from "./useLoaded";

interface Props {
  token: string;
  dealId: string;
  frames: FrameSource;
  open: (record: RecordRef) => void;
}

/** One deal: its figures, products, activities and timeline, kept live; moved to a stage from here too. */
export function DealCard({ token, dealId, frames, open }: Props) {
  const deal = useLoaded(() => crm.deal(token, dealId), dealId);
  const pipelineId = deal.value?.pipeline_id ?? "";
  const pipeline = useLoaded(() => (pipelineId ? crm.pipeline(token, pipelineId) : Promise.resolve(null)), pipelineId);
  const activities = useLoaded(() => crm.activitiesOf(token, "deal", dealId), dealId);
  const timeline = useLoaded(() => crm.timeline(token, "deal", dealId), dealId);
  const [notice, setNotice] = useState("");

  useEffect(
    () =>
      frames((frame) => {
        if (frame.type === "deal" && frame.deal.id === dealId) {
          void deal.refresh();
          void timeline.refresh();
        } else if (frame.type === "activity" && frame.activity.subject_id === dealId) {
          void activities.refresh();
          void timeline.refresh();
        }
      }),
    [frames, dealId, deal.refresh, activities.refresh, timeline.refresh],
  );

  const d = deal.value;
  if (!d) {
    return (
      <article id="card" class="crm-card" aria-label="Deal">
        <Problem problem={deal.problem} forbidden={deal.forbidden} />
        {!deal.problem && <p class="muted">Loading…</p>}
      </article>
    );
  }

  async function move(stage: Stage, reason: string) {
    if (!d) return;
    const moved = await moveDeal({ move: (id, s, v, why) => crm.move(token, id, s, v, why), reload: deal.reload }, d, stage, reason);
    setNotice(moved.outcome === "moved" ? "" : moved.notice);
    if (moved.outcome === "moved") await deal.reload();
  }

  return (
    <article id="card" class="crm-card" aria-label="Deal" data-deal={d.id}>
      <h2 class="title">{d.title}</h2>
      <p>
        <b id="card-amount">{shown(d.amount, d.currency)}</b> <span class={`tag stage-${d.stage_kind}`} id="card-stage">{d.stage_name}</span>
        {d.outcome === "lost" && d.lost_reason && <span class="muted"> lost: {d.lost_reason}</span>}
      </p>
      {pipeline.value && <StageMove key={`${d.stage_id} ${d.version}`} deal={d} stages={pipeline.value.stages} move={move} />}
      <p role="alert" class="crm-problem">
        {notice}
      </p>
      <p class="links">
        {d.contact_id && (
          <button type="button" class="link-button" onClick={() => d.contact_id && open({ kind: "contact", id: d.contact_id })}>
            Contact
          </button>
        )}
        {d.lead_id && (
          <button type="button" class="link-button" onClick={() => d.lead_id && open({ kind: "lead", id: d.lead_id })}>
            Lead
          </button>
        )}
        {d.expected_close && <span class="muted">expected to close {d.expected_close}</span>}
      </p>
      <h3>Products</h3>
      <DealLines lines={d.lines ?? []} currency={d.currency} />
      <h3>Activities</h3>
      <Problem problem={activities.problem} forbidden={activities.forbidden} />
      <ActivityList activities={activities.value ?? []} />
      <h3>Timeline</h3>
      <Problem problem={timeline.problem} forbidden={timeline.forbidden} />
      <Timeline entries={timeline.value ?? []} />
    </article>
  );
}
