import { useEffect, useState } from "preact/hooks";
import type { FrameSource } from "../../crm/types";

type ReportsScreen = typeof import("./Reports").Reports;

/**
 * The reports, fetched the first time they are opened: the chart library is the console's largest
 * part, and an operator who only chats never loads it.
 */
export function LazyReports({ token, frames }: { token: string; frames: FrameSource }) {
  const [Reports, setReports] = useState<ReportsScreen | null>(null);
  const [problem, setProblem] = useState("");
  useEffect(() => {
    let current = true;
    import("./Reports")
      .then((module) => current && setReports(() => module.Reports))
      // A console built anew since this page loaded has other file names: a reload brings them.
      .catch(() => current && setProblem("The reports could not be loaded: reload the page."));
    return () => {
      current = false;
    };
  }, []);
  if (Reports) return <Reports token={token} frames={frames} />;
  return <p class={problem ? "crm-problem" : "muted"}>{problem || "Loading the reports…"}</p>;
}
