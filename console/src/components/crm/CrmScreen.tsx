import { useState } from "preact/hooks";
import type { FrameSource, RecordRef } from "../../crm/types";
import { Campaigns } from "./Campaigns";
import { DealBoard } from "./DealBoard";
import { RecordPanel } from "./RecordPanel";
import { LazyReports } from "./LazyReports";
import { TasksToday } from "./TasksToday";
import "./crm.css";

interface Props {
  view: "deals" | "tasks" | "reports" | "campaigns";
  token: string;
  frames: FrameSource;
}

/** The CRM's screens in the console, with the card of the record opened beside them. */
export function CrmScreen({ view, token, frames }: Props) {
  const [record, open] = useState<RecordRef | null>(null);
  return (
    <main id="crm" class={record ? "with-card" : ""}>
      <div class="crm-view">
        {view === "deals" && <DealBoard token={token} frames={frames} current={record?.kind === "deal" ? record.id : null} open={(id) => open({ kind: "deal", id })} />}
        {view === "tasks" && <TasksToday token={token} frames={frames} open={open} />}
        {view === "reports" && <LazyReports token={token} frames={frames} />}
        {view === "campaigns" && <Campaigns token={token} />}
      </div>
      {record && <RecordPanel token={token} record={record} frames={frames} open={open} />}
    </main>
  );
}
