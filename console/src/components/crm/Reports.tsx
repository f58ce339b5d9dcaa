import { useEffect, useMemo, useState } from "preact/hooks";
import { crm } from "../../crm/api";
import { chartOf } from "../../crm/chartData";
import { reportQuery, type Filters } from "../../crm/reportQuery";
import type { FrameSource } from "../../crm/types";
import { Problem } from "./Problem";
import { ReportChart } from "./ReportChart";
import { ReportFilterForm } from "./ReportFilterForm";
import { ReportTable } from "./ReportTable";
import { useLoaded } from "./useLoaded";

const FIRST = "funnel";

/**
 * One report at a time, as a chart and a table, with its filters. The gateway covers only what the
 * role may read; when it says a change touched those figures, the report is read again.
 */
export function Reports({ token, frames }: { token: string; frames: FrameSource }) {
  const listed = useLoaded(() => crm.reports(token), token);
  const pipelines = useLoaded(() => crm.pipelines(token), token);
  const [name, setName] = useState(FIRST);
  const [filters, setFilters] = useState<Filters>({});
  const about = listed.value?.find((r) => r.name === name);
  const query = about ? reportQuery(filters, about.filters) : null;
  const table = useLoaded(() => (query === null ? Promise.resolve(null) : crm.report(token, name, query)), query === null ? "" : `${name}?${query}`);

  useEffect(
    () =>
      frames((frame) => {
        if (frame.type === "reports_changed" || frame.type === "ready") void table.refresh();
      }),
    [frames, table.refresh],
  );

  const chart = useMemo(() => (table.value ? chartOf(table.value, filters.pipeline ?? "") : null), [table.value, filters.pipeline]);

  return (
    <div id="reports-screen">
      <div class="report-bar">
        <label>
          Report{" "}
          <select id="report-name" value={name} onChange={(e) => setName(e.currentTarget.value)}>
            {(listed.value ?? []).map((r) => (
              <option key={r.name} value={r.name}>
                {r.name.replaceAll("-", " ")}
              </option>
            ))}
          </select>
        </label>
        {about && <span class="muted about">{about.about.split("\n")[0]}</span>}
      </div>
      {about && <ReportFilterForm takes={about.filters} filters={filters} pipelines={pipelines.value ?? []} apply={setFilters} />}
      <Problem problem={listed.problem || table.problem} forbidden={listed.forbidden || table.forbidden} />
      {table.value && (
        <div class="report-body" data-report={table.value.report}>
          {chart ? <ReportChart data={chart} /> : <p class="muted">Nothing to draw.</p>}
          <ReportTable table={table.value} />
          {table.value.next && (
            <p class="muted" id="report-more">
              The first {table.value.rows.length} rows: narrow the filters to see the rest here; a file of the report holds them all.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
