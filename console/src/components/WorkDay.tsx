import type { ManagerLoad } from "../types";

export type WorkDayAction = "start" | "pause" | "resume" | "end";

const STATES: Record<string, string> = {
  not_started: "not started",
  started: "working",
  paused: "paused",
  ended: "ended",
};

// What an operator may do from each state of the day (domain/manager.py holds the rules).
const NEXT: Record<string, WorkDayAction[]> = {
  not_started: ["start"],
  started: ["pause", "end"],
  paused: ["resume", "end"],
  ended: ["start"],
};

const LABELS: Record<WorkDayAction, string> = { start: "Start day", pause: "Pause", resume: "Resume", end: "End day" };

/** The work day's state, always in view, and the acts that state allows. */
export function WorkDay({ manager, act }: { manager: ManagerLoad | null; act: (action: WorkDayAction) => void }) {
  if (!manager) return null;
  const state = manager.work_day;
  const actions = NEXT[state] ?? (["start", "pause", "resume", "end"] as WorkDayAction[]);
  return (
    <span id="workday" class={`workday ${state}`}>
      <span id="day">work day: {STATES[state] ?? state}</span>
      {actions.map((action) => (
        <button key={action} type="button" data-day={action} onClick={() => act(action)}>
          {LABELS[action]}
        </button>
      ))}
    </span>
  );
}
