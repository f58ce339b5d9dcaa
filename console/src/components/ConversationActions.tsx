import { useEffect, useState } from "preact/hooks";
import type { ChatStore } from "../chat";
import type { Conversation, Operator } from "../types";
import { ColleagueChoice } from "./ColleagueChoice";

interface Props {
  conversation: Conversation;
  operator: Operator;
  chat: ChatStore;
  close: (conversationId: string) => void;
}

/**
 * What the operator may do with the open conversation: pin it, transfer it, invite a colleague, leave
 * it, close or reopen it. The gateway checks each act against the operator's role; the buttons only
 * leave out what it would refuse anyway.
 */
export function ConversationActions({ conversation: c, operator, chat, close }: Props) {
  const [form, setForm] = useState<"transfer" | "invite" | null>(null);
  useEffect(() => setForm(null), [c.id]);
  const me = operator.manager_id;
  // A form closed gives the focus back to the button that opened it, for the keyboard to go on from there.
  const done = (opener: string) => () => {
    setForm(null);
    requestAnimationFrame(() => document.getElementById(opener)?.focus());
  };
  const { colleagues, teams, pinned } = chat.state;
  const open = c.status !== "closed";
  const acts = open && (c.manager_id === me || operator.role !== "manager");
  const participants = c.participants ?? [];
  const isPinned = pinned.includes(c.id);
  const invitable = colleagues.filter((m) => m.id !== me && m.id !== c.manager_id && !participants.includes(m.id));
  const names = participants.map((id) => (id === me ? "you" : colleagues.find((m) => m.id === id)?.name ?? "a colleague"));
  return (
    <>
      {names.length > 0 && (
        <span id="participants" class="muted" title="invited into this conversation">
          with {names.join(", ")}
        </span>
      )}
      <span class="actions">
        <button type="button" id="pin" aria-pressed={isPinned} onClick={() => chat.pin(c.id, !isPinned)}>
          {isPinned ? "Unpin" : "Pin"}
        </button>
        {acts && (
          <button type="button" id="transferOpen" aria-expanded={form === "transfer"} onClick={() => setForm("transfer")}>
            Transfer…
          </button>
        )}
        {acts && (
          <button type="button" id="inviteOpen" aria-expanded={form === "invite"} onClick={() => setForm("invite")}>
            Invite…
          </button>
        )}
        {open && participants.includes(me) && (
          <button type="button" id="leave" onClick={() => chat.leave(c.id)}>
            Leave
          </button>
        )}
        {acts && (
          <button type="button" class="close" onClick={() => close(c.id)}>
            Close
          </button>
        )}
        {!open && (
          <button type="button" id="reopen" onClick={() => chat.reopen(c.id)}>
            Reopen
          </button>
        )}
      </span>
      {form === "transfer" && (
        <ColleagueChoice
          act="transfer"
          label="Transfer to"
          colleagues={colleagues.filter((m) => m.id !== c.manager_id)}
          teams={teams}
          choose={(to) => (to.kind === "team" ? chat.handToTeam(c.id, to.id) : chat.transfer(c.id, to.id))}
          cancel={done("transferOpen")}
        />
      )}
      {form === "invite" && (
        <ColleagueChoice act="invite" label="Invite" colleagues={invitable} choose={(to) => chat.invite(c.id, to.id)} cancel={done("inviteOpen")} />
      )}
    </>
  );
}
