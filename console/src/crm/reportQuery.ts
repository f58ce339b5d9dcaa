// A report's filters as the user set them, sent as the query string the report takes.

export type Filters = Partial<Record<string, string>>;

/** Labels of the reports' filters (services/console/report_filters.py names them). */
export const FILTER_LABELS: Record<string, string> = {
  from: "From",
  to: "To",
  min_amount: "Min amount",
  max_amount: "Max amount",
  pipeline: "Pipeline",
  responsible: "Responsible",
  department: "Department",
  company: "Company",
  source: "Source",
};

/**
 * The query string of ``filters`` for a report that ``takes`` the filters named: empty values and
 * filters this report does not take are left out (the gateway refuses a filter a report does not take).
 */
export function reportQuery(filters: Filters, takes: readonly string[]): string {
  const query = new URLSearchParams();
  for (const name of takes) {
    const value = filters[name]?.trim();
    if (value) query.set(name, value);
  }
  return query.toString();
}
