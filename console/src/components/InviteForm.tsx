import { useEffect, useRef, useState } from "preact/hooks";
import type { Colleague } from "../chat";
import { ColleagueOptions } from "./ColleagueChoice";

interface Props {
  colleagues: readonly Colleague[]; // those who may still be invited
  invite: (id: string) => void;
  cancel: () => void;
}

/** Invite a colleague into the open conversation beside its holder: they see all of it, from its start. */
export function InviteForm({ colleagues, invite, cancel }: Props) {
  const [who, setWho] = useState("");
  const choice = useRef<HTMLSelectElement>(null);
  // Opened from the keyboard, the choice takes the focus (autofocus works only when a page loads).
  useEffect(() => choice.current?.focus(), []);
  function submit(event: Event) {
    event.preventDefault();
    if (!who) return;
    invite(who);
    cancel();
  }
  return (
    <form id="invite" class="act-form" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && cancel()}>
      <label>
        Invite{" "}
        <select id="inviteWho" value={who} onChange={(e) => setWho(e.currentTarget.value)} ref={choice}>
          <option value="">choose…</option>
          <ColleagueOptions colleagues={colleagues} />
        </select>
      </label>
      <button type="submit" disabled={!who}>
        Invite
      </button>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </form>
  );
}
