import type { TimelineEntry } from "../../crm/types";

// The parts of an entry's summary worth a line, in the order people read them.
const TOLD = ["title", "text", "stage", "from_stage", "to_stage", "reason", "result", "status", "amount"];

function said(entry: TimelineEntry): string {
  const parts = TOLD.filter((k) => typeof entry.summary[k] === "string" || typeof entry.summary[k] === "number").map((k) =>
    String(entry.summary[k]),
  );
  return parts.join(" · ");
}

/** What happened with a record, oldest first, each entry's words shown as text. */
export function Timeline({ entries }: { entries: readonly TimelineEntry[] }) {
  if (entries.length === 0) return <p class="muted">Nothing yet.</p>;
  return (
    <ol class="timeline">
      {entries.map((e) => (
        <li key={e.notification_id}>
          <span class="muted">{new Date(e.at).toLocaleString()}</span> <b>{e.kind.replaceAll("_", " ")}</b> {said(e)}
        </li>
      ))}
    </ol>
  );
}
