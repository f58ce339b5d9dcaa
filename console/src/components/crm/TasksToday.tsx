import { useEffect, useState } from "preact/hooks";
import { crm } from "../../crm/api";
import { dueText, dueToday } from "../../crm/tasks";
import type { Activity, FrameSource, RecordRef } from "../../crm/types";
import { Problem } from "./Problem";
import { useLoaded } from "./useLoaded";

const CARDS = new Set(["deal", "lead", "contact"]);

interface Props {
  token: string;
  frames: FrameSource;
  open: (record: RecordRef) => void;
}

/** The operator's own open tasks that are overdue or due before the day ends, kept live. */
export function TasksToday({ token, frames, open }: Props) {
  const due = useLoaded(() => crm.dueActivities(token), token);
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 60_000); // a task falls overdue as time passes
    return () => clearInterval(timer);
  }, []);
  useEffect(
    () =>
      frames((frame) => {
        if (frame.type === "activity" || frame.type === "ready") void due.refresh();
      }),
    [frames, due.refresh],
  );
  const day = dueToday(due.value ?? [], now);

  const list = (id: string, title: string, activities: Activity[]) => (
    <section id={id} class="task-group">
      <h2>
        {title} <span class="count">{activities.length}</span>
      </h2>
      {activities.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul>
          {activities.map((a) => (
            <li key={a.id} data-activity={a.id}>
              <span class="when">{dueText(a.due_at ?? "", now)}</span> <span class="tag">{a.kind}</span>{" "}
              {a.subject_kind && a.subject_id && CARDS.has(a.subject_kind) ? (
                <button
                  type="button"
                  class="link-button title"
                  onClick={() => a.subject_id && open({ kind: a.subject_kind as RecordRef["kind"], id: a.subject_id })}
                >
                  {a.title}
                </button>
              ) : (
                <span class="title">{a.title}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );

  return (
    <div id="tasks-screen">
      <Problem problem={due.problem} forbidden={due.forbidden} />
      {list("overdue", "Overdue", day.overdue)}
      {list("today", "Due today", day.today)}
    </div>
  );
}
