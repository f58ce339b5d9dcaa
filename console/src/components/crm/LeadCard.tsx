import { crm } from "../../crm/api";
import { shown } from "../../crm/money";
import type { RecordRef } from "../../crm/types";
import { ActivityList } from "./ActivityList";
import { Problem } from "./Problem";
import { Timeline } from "./Timeline";
import { useLoaded } from "./useLoaded";

/** One lead: where it stands, what it is about, its contact, activities and timeline. */
export function LeadCard({ token, leadId, open }: { token: string; leadId: string; open: (record: RecordRef) => void }) {
  const lead = useLoaded(() => crm.lead(token, leadId), leadId);
  const activities = useLoaded(() => crm.activitiesOf(token, "lead", leadId), leadId);
  const timeline = useLoaded(() => crm.timeline(token, "lead", leadId), leadId);
  const l = lead.value;
  return (
    <article id="card" class="crm-card" aria-label="Lead" data-lead={leadId}>
      <Problem problem={lead.problem} forbidden={lead.forbidden} />
      {l && (
        <>
          <h2 class="title">Lead {l.contact?.name ? `from ${l.contact.name}` : ""}</h2>
          <dl>
            <dt>Status</dt>
            <dd>
              {l.status}
              {l.reason ? ` (${l.reason})` : ""}, {l.routing}
            </dd>
            <dt>Source</dt>
            <dd>{l.source ?? l.channel ?? "—"}</dd>
            {l.amount && (
              <>
                <dt>Amount</dt>
                <dd>{shown(l.amount, l.currency ?? "")}</dd>
              </>
            )}
            {l.product_interest && (
              <>
                <dt>Interested in</dt>
                <dd>{l.product_interest}</dd>
              </>
            )}
            {l.comment && (
              <>
                <dt>Comment</dt>
                <dd class="text">{l.comment}</dd>
              </>
            )}
          </dl>
          {l.contact_id && (
            <button type="button" class="link-button" onClick={() => l.contact_id && open({ kind: "contact", id: l.contact_id })}>
              Contact
            </button>
          )}
        </>
      )}
      <h3>Activities</h3>
      <ActivityList activities={activities.value ?? []} />
      <h3>Timeline</h3>
      <Timeline entries={timeline.value ?? []} />
    </article>
  );
}
