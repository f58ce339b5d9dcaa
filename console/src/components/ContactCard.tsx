import { customerName } from "../conversations";
import { ChannelIcon } from "./ChannelIcon";
import type { Conversation, Operator } from "../types";

/** Who the customer is and where the conversation stands. */
export function ContactCard({ conversation: c, operator }: { conversation: Conversation; operator: Operator }) {
  const holder = c.manager_id === null ? "nobody yet" : c.manager_id === operator.manager_id ? "you" : "a colleague";
  return (
    <aside id="contact" aria-label="Contact">
      <h3 class="name">{customerName(c)}</h3>
      <dl>
        <dt>Channel</dt>
        <dd>
          <ChannelIcon channel={c.channel} /> {c.channel}
        </dd>
        <dt>Address</dt>
        <dd class="address">{c.address}</dd>
        <dt>Conversation</dt>
        <dd>
          {c.status}, {c.message_count} messages
        </dd>
        <dt>Lead</dt>
        <dd>{c.lead_id ? c.lead_status : "none"}</dd>
        <dt>Held by</dt>
        <dd>{holder}</dd>
        <dt>Since</dt>
        <dd>{new Date(c.opened_at).toLocaleString()}</dd>
        <dt>Last message</dt>
        <dd class="last">{c.last_message ?? ""}</dd>
      </dl>
    </aside>
  );
}
