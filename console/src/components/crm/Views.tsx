export type View = "chats" | "deals" | "tasks" | "reports" | "campaigns";

const VIEWS: [View, string][] = [
  ["chats", "Chats"],
  ["deals", "Deals"],
  ["tasks", "Tasks"],
  ["reports", "Reports"],
  ["campaigns", "Campaigns"],
];

/** The console's screens: the chats, and the CRM's deal board, tasks, reports and campaigns. */
export function Views({ view, choose }: { view: View; choose: (view: View) => void }) {
  return (
    <nav id="views" class="tabs" aria-label="Screens">
      {VIEWS.map(([name, label]) => (
        <button
          key={name}
          type="button"
          data-view={name}
          class={view === name ? "selected" : ""}
          aria-current={view === name ? "page" : undefined}
          onClick={() => choose(name)}
        >
          {label}
        </button>
      ))}
    </nav>
  );
}
