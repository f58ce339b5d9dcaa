import type { Colleague } from "../chat";

/** A colleague's work day as the console says it. */
export const WORK_DAYS: Readonly<Record<string, string>> = {
  not_started: "not started",
  started: "at work",
  paused: "paused",
  ended: "day ended",
};

/** The colleagues to choose from, each with whether they are at work. */
export function ColleagueOptions({ colleagues }: { colleagues: readonly Colleague[] }) {
  return (
    <>
      {colleagues.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name} ({WORK_DAYS[c.work_day] ?? c.work_day})
        </option>
      ))}
    </>
  );
}
