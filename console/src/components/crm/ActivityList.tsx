import type { Activity } from "../../crm/types";

function when(activity: Activity): string {
  if (activity.done) return activity.done_at ? `done ${new Date(activity.done_at).toLocaleString()}` : "done";
  return activity.due_at ? `due ${new Date(activity.due_at).toLocaleString()}` : "no due time";
}

/** Calls, meetings, tasks and notes about a record, each with when it is due or was done. */
export function ActivityList({ activities, empty = "No activities." }: { activities: readonly Activity[]; empty?: string }) {
  if (activities.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="activities">
      {activities.map((a) => (
        <li key={a.id} class={a.done ? "done" : ""} data-activity={a.id}>
          <span class="tag">{a.kind}</span> <span class="title">{a.title}</span> <span class="muted">{when(a)}</span>
        </li>
      ))}
    </ul>
  );
}
