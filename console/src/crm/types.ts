// The shapes the gateway's CRM routes send (services/console/sales_queries.py, activity_queries.py,
// people_queries.py, reports_api.py) and the CRM's frames on the console socket (sales_live.py).

export type StageKind = "in_progress" | "won" | "lost";

export interface Stage {
  id: string;
  name: string;
  kind: StageKind;
  probability: number;
}

export interface Pipeline {
  id: string;
  name: string;
  stages: Stage[];
  version: number;
}

/** A product line of a deal; money is decimal text, never a float. */
export interface DealLine {
  line_id: string;
  product_id: string | null;
  name: string;
  price: string;
  quantity: string | number;
  discount_percent: string | number;
  tax_percent: string | number;
  total: string;
}

export interface Deal {
  id: string;
  title: string;
  pipeline_id: string;
  stage_id: string;
  stage_name: string | null;
  stage_kind: StageKind;
  amount: string;
  currency: string;
  probability: number | null;
  expected_close: string | null;
  contact_id: string | null;
  company_id: string | null;
  lead_id: string | null;
  responsible_id: string;
  observers: string[];
  opened_at: string;
  closed_at: string | null;
  outcome: string | null;
  lost_reason: string | null;
  version: number;
  lines?: DealLine[];
}

export interface Activity {
  id: string;
  kind: string;
  title: string;
  description: string | null;
  subject_kind: string | null;
  subject_id: string | null;
  responsible_id: string;
  due_at: string | null;
  done: boolean;
  done_at: string | null;
  result: string | null;
  version: number;
}

export interface TimelineEntry {
  notification_id: number;
  at: string;
  kind: string;
  summary: Record<string, unknown>;
}

export interface Lead {
  id: string;
  status: string;
  reason: string | null;
  routing: string;
  source: string | null;
  channel: string | null;
  amount: string | null;
  currency: string | null;
  product_interest: string | null;
  comment: string | null;
  contact_id: string | null;
  contact: { id: string; name: string | null; vip: boolean | null } | null;
  responsible_id: string | null;
  arrived_at: string | null;
  created_at: string;
}

export interface Person {
  id: string;
  name: string | null;
  phones: string[];
  emails: string[];
  company_id: string | null;
  company_name: string | null;
  source: string | null;
  vip: boolean | null;
  tags: string[] | null;
  created_at: string;
}

export interface ReportInfo {
  name: string;
  about: string;
  filters: string[];
}

export type Cell = string | number | boolean | null;

export interface ReportTable {
  report: string;
  columns: string[];
  rows: Record<string, Cell>[];
  /** A report given in pages: the cursor to the rows after these, null on the last page. */
  next?: string | null;
}

/** The CRM's frames on the console socket; the console's own frames pass by untouched. */
export type CrmFrame =
  | { type: "deal"; deal: Deal }
  | { type: "deal_removed"; id: string }
  | { type: "activity"; activity: Activity }
  | { type: "reports_changed"; deal_ids: string[]; activity_ids: string[] }
  | { type: "ready" };

/** Where a screen hears the socket's frames: returns how to stop hearing them. */
export type FrameSource = (listener: (frame: CrmFrame) => void) => () => void;

/** A CRM record a card can show. */
export type RecordRef = { kind: "deal" | "lead" | "contact"; id: string };
