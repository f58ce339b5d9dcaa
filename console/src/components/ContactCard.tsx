import { useEffect, useState } from "preact/hooks";
import { contactCard } from "../api";
import { customerName } from "../conversations";
import type { Contact, Conversation, Operator } from "../types";
import { ChannelIcon } from "./ChannelIcon";

/**
 * The customer's contact in the CRM, when there is one the operator may see; read again when the
 * conversation changes hands (``holder``), for a transfer can make it the operator's to see.
 */
function useContact(token: string, contactId: string | null | undefined, holder: string | null): Contact | null | "unknown" {
  const [found, setFound] = useState<Contact | null | "unknown">("unknown");
  useEffect(() => {
    setFound("unknown");
    if (!contactId) return;
    let current = true;
    contactCard(token, contactId)
      .then((contact) => current && setFound(contact))
      .catch(() => current && setFound(null));
    return () => {
      current = false;
    };
  }, [token, contactId, holder]);
  return found;
}

/** Who the customer is, whether the CRM knows them, and where the conversation stands. */
export function ContactCard({ conversation: c, operator, token }: { conversation: Conversation; operator: Operator; token: string }) {
  const contact = useContact(token, c.contact_id, c.manager_id);
  const holder = c.manager_id === null ? "nobody yet" : c.manager_id === operator.manager_id ? "you" : "a colleague";
  const known = contact !== "unknown" && contact !== null ? contact : null;
  return (
    <aside id="contact" aria-label="Contact">
      <h3 class="name">{known?.name || customerName(c)}</h3>
      {known && (
        <div class="crm" data-contact={known.id}>
          <span class="tag in-crm">in CRM</span>
          {known.vip && <span class="tag">VIP</span>}
          {known.company && <span class="company">{known.company.name}</span>}
        </div>
      )}
      <dl>
        {known && known.phones.length > 0 && (
          <>
            <dt>Phone</dt>
            <dd class="phones">{known.phones.join(", ")}</dd>
          </>
        )}
        {known && known.emails.length > 0 && (
          <>
            <dt>E-mail</dt>
            <dd class="emails">{known.emails.join(", ")}</dd>
          </>
        )}
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
