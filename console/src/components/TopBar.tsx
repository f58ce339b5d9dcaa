import type { Link } from "../socket";
import type { ManagerLoad, Operator } from "../types";
import { WorkDay, type WorkDayAction } from "./WorkDay";

const LINK_TEXT: Record<Link, string> = { online: "live", connecting: "connecting…", offline: "offline: reconnecting" };

interface Props {
  operator: Operator;
  manager: ManagerLoad | null;
  link: Link;
  offers: number;
  mine: number;
  notice: string;
  workDay: (action: WorkDayAction) => void;
  showOffers: () => void;
  logOut: () => void;
}

/** Who is logged in, whether the console is live, the work day, the leads waiting, and the last problem. */
export function TopBar({ operator, manager, link, offers, mine, notice, workDay, showOffers, logOut }: Props) {
  return (
    <header id="bar">
      <b id="who">{operator.name}</b>
      <span class="muted">{operator.role}</span>
      <span id="link" class={`link ${link}`} role="status">
        {LINK_TEXT[link]}
      </span>
      <WorkDay manager={manager} act={workDay} />
      <span id="leads" class="muted">
        {manager ? `mine ${mine} of ${manager.capacity}` : ""}
      </span>
      <button id="offers" type="button" class={offers ? "attention" : ""} onClick={showOffers}>
        Offers {offers}
      </button>
      <span id="notice" role="alert">
        {notice}
      </span>
      <button id="logout" type="button" onClick={logOut}>
        Log out
      </button>
    </header>
  );
}
