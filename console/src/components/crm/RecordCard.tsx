import type { ComponentChildren } from "preact";
import { crm } from "../../crm/api";
import { shown } from "../../crm/money";
import type { Lead, Person, RecordRef } from "../../crm/types";
import { ActivityList } from "./ActivityList";
import { Problem } from "./Problem";
import { Timeline } from "./Timeline";
import { useLoaded } from "./useLoaded";

/** One line of a card's facts, left out when there is nothing to say; several values, one line each. */
function Fact({ label, value, class: className }: { label: string; value: string | readonly string[] | null | undefined; class?: string }) {
  const values = typeof value === "string" ? [value] : value ?? [];
  if (values.length === 0 || values.every((v) => !v)) return null;
  return (
    <>
      <dt>{label}</dt>
      {values.map((v) => (
        <dd key={v} class={className}>
          {v}
        </dd>
      ))}
    </>
  );
}

interface Kind<T> {
  label: string;
  subject: "lead" | "contact"; // as the activities and the timeline name it
  load: (token: string, id: string) => Promise<T>;
  heading: (record: T) => ComponentChildren;
  facts: (record: T, open: (record: RecordRef) => void) => ComponentChildren;
}

const LEAD: Kind<Lead> = {
  label: "Lead",
  subject: "lead",
  load: (token, id) => crm.lead(token, id),
  heading: (l) => `Lead ${l.contact?.name ? `from ${l.contact.name}` : ""}`,
  facts: (l, open) => (
    <>
      <dl>
        <Fact label="Status" value={`${l.status}${l.reason ? ` (${l.reason})` : ""}, ${l.routing}`} />
        <Fact label="Source" value={l.source ?? l.channel ?? "—"} />
        <Fact label="Amount" value={l.amount && shown(l.amount, l.currency ?? "")} />
        <Fact label="Interested in" value={l.product_interest} />
        <Fact label="Comment" value={l.comment} class="text" />
      </dl>
      {l.contact_id && (
        <button type="button" class="link-button" onClick={() => l.contact_id && open({ kind: "contact", id: l.contact_id })}>
          Contact
        </button>
      )}
    </>
  ),
};

const CONTACT: Kind<Person> = {
  label: "Contact",
  subject: "contact",
  load: (token, id) => crm.person(token, id),
  heading: (p) => (
    <>
      {p.name || "No name"} {p.vip && <span class="tag">VIP</span>}
    </>
  ),
  facts: (p) => (
    <dl>
      <Fact label="Company" value={p.company_name} />
      <Fact label="Phone" value={p.phones} />
      <Fact label="E-mail" value={p.emails} />
      <Fact label="Source" value={p.source} />
    </dl>
  ),
};

function Card<T>({ kind, token, id, open }: { kind: Kind<T>; token: string; id: string; open: (record: RecordRef) => void }) {
  const record = useLoaded(() => kind.load(token, id), id);
  const activities = useLoaded(() => crm.activitiesOf(token, kind.subject, id), id);
  const timeline = useLoaded(() => crm.timeline(token, kind.subject, id), id);
  const r = record.value;
  return (
    <article id="card" class="crm-card" aria-label={kind.label} {...{ [`data-${kind.subject}`]: id }}>
      <Problem problem={record.problem} forbidden={record.forbidden} />
      {r && (
        <>
          <h2 class="title">{kind.heading(r)}</h2>
          {kind.facts(r, open)}
        </>
      )}
      <h3>Activities</h3>
      <ActivityList activities={activities.value ?? []} />
      <h3>Timeline</h3>
      <Timeline entries={timeline.value ?? []} />
    </article>
  );
}

/** A lead's or a contact's card: what it is, its activities and its timeline; a lead links to its contact. */
export function RecordCard({ token, record, open }: { token: string; record: RecordRef & { kind: "lead" | "contact" }; open: (record: RecordRef) => void }) {
  return record.kind === "lead" ? (
    <Card kind={LEAD} token={token} id={record.id} open={open} />
  ) : (
    <Card kind={CONTACT} token={token} id={record.id} open={open} />
  );
}
