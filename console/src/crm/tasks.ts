// The tasks of the day: what is overdue, and what is due before the day is over (the user's own day).

import type { Activity } from "./types";

export interface Day {
  overdue: Activity[];
  today: Activity[];
}

/** The end of ``now``'s day where the browser is: midnight after it, local time. */
export function endOfDay(now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
}

/** Open activities split into overdue and due later today, each the soonest first; the rest left out. */
export function dueToday(activities: readonly Activity[], now: Date): Day {
  const end = endOfDay(now).getTime();
  const day: Day = { overdue: [], today: [] };
  const open = activities.filter((a) => !a.done && a.due_at !== null);
  open.sort((a, b) => Date.parse(a.due_at ?? "") - Date.parse(b.due_at ?? ""));
  for (const activity of open) {
    const due = Date.parse(activity.due_at ?? "");
    if (Number.isNaN(due)) continue;
    if (due < now.getTime()) day.overdue.push(activity);
    else if (due < end) day.today.push(activity);
  }
  return day;
}

/** When it is due, as short as the day allows: the time today, else the date and time. */
export function dueText(dueAt: string, now: Date): string {
  const due = new Date(dueAt);
  const time = due.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const sameDay = due.toDateString() === now.toDateString();
  return sameDay ? time : `${due.toLocaleDateString()} ${time}`;
}
