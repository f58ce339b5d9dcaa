import { useEffect, useRef, useState } from "preact/hooks";
import type { Colleague } from "../chat";

/** A colleague's work day as the console says it. */
export const WORK_DAYS: Readonly<Record<string, string>> = {
  not_started: "not started",
  started: "at work",
  paused: "paused",
  ended: "day ended",
};

/** A colleague as the choosers show them: whether they are at work, and their load. */
export function colleagueLabel(c: Colleague): string {
  return `${c.name} (${WORK_DAYS[c.work_day] ?? c.work_day}, ${c.open_leads}/${c.capacity})`;
}

/** What the operator chose: a colleague by id, or a team by name. */
export type Choice = { kind: "colleague" | "team"; id: string };

interface Props {
  act: "invite" | "transfer"; // names the form (#invite, #inviteTo) and its button
  label: string;
  colleagues: readonly Colleague[]; // those who may be chosen
  teams?: readonly string[]; // offered beside the colleagues when given
  choose: (choice: Choice) => void;
  cancel: () => void;
}

/**
 * Choose a colleague (or a team) for the open conversation: the one form behind Invite… and Transfer….
 * Opened from the keyboard the choice takes the focus; Esc cancels.
 */
export function ColleagueChoice({ act, label, colleagues, teams = [], choose, cancel }: Props) {
  const [to, setTo] = useState("");
  const choice = useRef<HTMLSelectElement>(null);
  // autofocus works only when a page loads: the choice is focused as the form opens.
  useEffect(() => choice.current?.focus(), []);
  function submit(event: Event) {
    event.preventDefault();
    const [kind, id] = to.split(/:(.*)/s);
    if (!id || (kind !== "colleague" && kind !== "team")) return;
    choose({ kind, id });
    cancel();
  }
  const people = colleagues.map((c) => (
    <option key={c.id} value={`colleague:${c.id}`}>
      {colleagueLabel(c)}
    </option>
  ));
  return (
    <form id={act} class="act-form" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && cancel()}>
      <label>
        {label}{" "}
        <select id={`${act}To`} value={to} onChange={(e) => setTo(e.currentTarget.value)} ref={choice}>
          <option value="">choose…</option>
          {teams.length === 0 ? people : <optgroup label="Colleagues">{people}</optgroup>}
          {teams.length > 0 && (
            <optgroup label="Teams">
              {teams.map((t) => (
                <option key={t} value={`team:${t}`}>
                  team {t}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      <button type="submit" disabled={!to}>
        {act === "invite" ? "Invite" : "Transfer"}
      </button>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </form>
  );
}
