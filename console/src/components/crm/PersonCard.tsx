import { crm } from "../../crm/api";
import { ActivityList } from "./ActivityList";
import { Problem } from "./Problem";
import { Timeline } from "./Timeline";
import { useLoaded } from "./useLoaded";

/** One contact: how to reach them, their company, activities and timeline. */
export function PersonCard({ token, contactId }: { token: string; contactId: string }) {
  const person = useLoaded(() => crm.person(token, contactId), contactId);
  const activities = useLoaded(() => crm.activitiesOf(token, "contact", contactId), contactId);
  const timeline = useLoaded(() => crm.timeline(token, "contact", contactId), contactId);
  const p = person.value;
  return (
    <article id="card" class="crm-card" aria-label="Contact" data-contact={contactId}>
      <Problem problem={person.problem} forbidden={person.forbidden} />
      {p && (
        <>
          <h2 class="title">
            {p.name || "No name"} {p.vip && <span class="tag">VIP</span>}
          </h2>
          <dl>
            {p.company_name && (
              <>
                <dt>Company</dt>
                <dd>{p.company_name}</dd>
              </>
            )}
            {p.phones.length > 0 && (
              <>
                <dt>Phone</dt>
                {p.phones.map((phone) => (
                  <dd key={phone}>{phone}</dd>
                ))}
              </>
            )}
            {p.emails.length > 0 && (
              <>
                <dt>E-mail</dt>
                {p.emails.map((email) => (
                  <dd key={email}>{email}</dd>
                ))}
              </>
            )}
            {p.source && (
              <>
                <dt>Source</dt>
                <dd>{p.source}</dd>
              </>
            )}
          </dl>
        </>
      )}
      <h3>Activities</h3>
      <ActivityList activities={activities.value ?? []} />
      <h3>Timeline</h3>
      <Timeline entries={timeline.value ?? []} />
    </article>
  );
}
