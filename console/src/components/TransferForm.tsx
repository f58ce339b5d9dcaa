import { useEffect, useRef, useState } from "preact/hooks";
import type { Colleague } from "../chat";
import { WORK_DAYS } from "./ColleagueChoice";

interface Props {
  colleagues: readonly Colleague[];
  teams: readonly string[];
  holder: string | null;
  toColleague: (id: string) => void;
  toTeam: (team: string) => void;
  cancel: () => void;
}

/** Transfer the open conversation to a colleague (theirs at once) or to a team (the router picks one of them). */
export function TransferForm({ colleagues, teams, holder, toColleague, toTeam, cancel }: Props) {
  const others = colleagues.filter((c) => c.id !== holder);
  const [to, setTo] = useState("");
  const choice = useRef<HTMLSelectElement>(null);
  // Opened from the keyboard, the choice takes the focus (autofocus works only when a page loads).
  useEffect(() => choice.current?.focus(), []);
  function submit(event: Event) {
    event.preventDefault();
    const [kind, value] = to.split(/:(.*)/s);
    if (!value) return;
    if (kind === "team") toTeam(value);
    else toColleague(value);
    cancel();
  }
  return (
    <form id="transfer" class="act-form" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && cancel()}>
      <label>
        Transfer to{" "}
        <select id="transferTo" value={to} onChange={(e) => setTo(e.currentTarget.value)} ref={choice}>
          <option value="">choose…</option>
          <optgroup label="Colleagues">
            {others.map((c) => (
              <option key={c.id} value={`colleague:${c.id}`}>
                {c.name} ({WORK_DAYS[c.work_day] ?? c.work_day}, {c.open_leads}/{c.capacity})
              </option>
            ))}
          </optgroup>
          <optgroup label="Teams">
            {teams.map((t) => (
              <option key={t} value={`team:${t}`}>
                team {t}
              </option>
            ))}
          </optgroup>
        </select>
      </label>
      <button type="submit" disabled={!to}>
        Transfer
      </button>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </form>
  );
}
