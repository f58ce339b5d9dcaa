import { useEffect, useState } from "preact/hooks";
import { FILTER_LABELS, type Filters } from "../../crm/reportQuery";
import type { Pipeline } from "../../crm/types";

interface Props {
  takes: readonly string[];
  filters: Filters;
  pipelines: readonly Pipeline[];
  apply: (filters: Filters) => void;
}

const DAYS = new Set(["from", "to"]);
const AMOUNTS = new Set(["min_amount", "max_amount"]);

/** The filters the chosen report takes, applied together (Enter or Apply). */
export function ReportFilterForm({ takes, filters, pipelines, apply }: Props) {
  const [draft, setDraft] = useState<Filters>(filters);
  useEffect(() => setDraft(filters), [filters]);
  const set = (name: string, value: string) => setDraft((d) => ({ ...d, [name]: value }));

  function field(name: string) {
    const value = draft[name] ?? "";
    const id = `filter-${name}`;
    if (name === "pipeline") {
      return (
        <select id={id} value={value} onChange={(e) => set(name, e.currentTarget.value)}>
          <option value="">any</option>
          {pipelines.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      );
    }
    if (name === "responsible") {
      return (
        <select id={id} value={value} onChange={(e) => set(name, e.currentTarget.value)}>
          <option value="">anyone I may see</option>
          <option value="me">me</option>
        </select>
      );
    }
    return (
      <input
        id={id}
        type={DAYS.has(name) ? "date" : "text"}
        inputMode={AMOUNTS.has(name) ? "decimal" : undefined}
        value={value}
        onInput={(e) => set(name, e.currentTarget.value)}
      />
    );
  }

  return (
    <form
      id="report-filters"
      onSubmit={(event) => {
        event.preventDefault();
        apply(draft);
      }}
    >
      {takes.map((name) => (
        <label key={name} for={`filter-${name}`}>
          {FILTER_LABELS[name] ?? name}
          {field(name)}
        </label>
      ))}
      <button type="submit" id="apply-filters">
        Apply
      </button>
    </form>
  );
}
