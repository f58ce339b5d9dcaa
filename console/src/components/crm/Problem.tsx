/** Why a part of the screen shows nothing: a refusal of the role, or what went wrong. */
export function Problem({ problem, forbidden }: { problem: string; forbidden: boolean }) {
  if (!problem) return null;
  return (
    <p class={`crm-problem ${forbidden ? "forbidden" : ""}`} role="status">
      {forbidden ? `Your role does not show this: ${problem}` : problem}
    </p>
  );
}
