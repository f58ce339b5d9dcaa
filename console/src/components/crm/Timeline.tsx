import { happened, said } from "../../crm/timeline";
import type { TimelineEntry } from "../../crm/types";

/** What happened with a record, oldest first, each entry's words shown as text. */
export function Timeline({ entries }: { entries: readonly TimelineEntry[] }) {
  if (entries.length === 0) return <p class="muted">Nothing yet.</p>;
  return (
    <ol class="timeline">
      {entries.map((e) => (
        <li key={e.notification_id}>
          <span class="muted">{new Date(e.at).toLocaleString()}</span> <b>{happened(e.kind)}</b> {said(e)}
        </li>
      ))}
    </ol>
  );
}
