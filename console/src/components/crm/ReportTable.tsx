import type { Cell, ReportTable as Table } from "../../crm/types";

function cell(value: Cell | undefined): string {
  if (value === null || value === undefined) return "—";
  return String(value);
}

/** The report's rows as a table; ids are left to the links and files, not to the eye. */
export function ReportTable({ table }: { table: Table }) {
  const columns = table.columns.filter((c) => c !== "id" && !c.endsWith("_id"));
  if (table.rows.length === 0) return <p class="muted">No rows for these filters.</p>;
  return (
    <div class="report-table">
      <table id="report-rows">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>{c.replaceAll("_", " ")}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c} class={typeof row[c] === "number" ? "number" : ""}>
                  {cell(row[c])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
