// The gateway's CRM routes, as the console calls them. Every list is already scoped by the gateway to
// what the operator's role may see; a refusal is told as its own error so a screen can say so plainly.

import type { Activity, Deal, Lead, Person, Pipeline, ReportInfo, ReportTable, TimelineEntry } from "./types";

/** The role may not see or do this (403). */
export class Forbidden extends Error {}

/** The record changed since it was read (409); ``currentVersion`` is the version it has now. */
export class Conflict extends Error {
  constructor(
    message: string,
    readonly currentVersion: number | null,
  ) {
    super(message);
  }
}

/** No such record among those the operator may see (404). */
export class NotFound extends Error {}

const MAX_PAGES = 10; // a board of more than 2,000 deals wants a narrower pipeline, not a longer wait

async function refusal(response: Response): Promise<Error> {
  let body: { error?: unknown; current_version?: unknown } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not JSON: the status says enough
  }
  const message = typeof body.error === "string" ? body.error : `${response.status} ${response.statusText}`;
  if (response.status === 403) return new Forbidden(message);
  if (response.status === 404) return new NotFound(message);
  if (response.status === 409) {
    return new Conflict(message, typeof body.current_version === "number" ? body.current_version : null);
  }
  return new Error(message);
}

export async function call<T>(token: string, path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { ...init, headers });
  if (!response.ok) throw await refusal(response);
  return (await response.json()) as T;
}

async function everyPage<T>(token: string, path: string, key: string): Promise<T[]> {
  const found: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const joiner = path.includes("?") ? "&" : "?";
    const url: string = `${path}${joiner}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const body: Record<string, unknown> = await call<Record<string, unknown>>(token, url);
    found.push(...((body[key] as T[] | undefined) ?? []));
    cursor = typeof body.next_cursor === "string" ? body.next_cursor : null;
    if (cursor === null) break;
  }
  return found;
}

const id = encodeURIComponent;

export const crm = {
  pipelines: (token: string): Promise<Pipeline[]> => everyPage<Pipeline>(token, "/api/pipelines", "pipelines"),
  pipeline: (token: string, pipelineId: string): Promise<Pipeline> => call<Pipeline>(token, `/api/pipelines/${id(pipelineId)}`),
  deals: (token: string, pipelineId: string): Promise<Deal[]> =>
    everyPage<Deal>(token, `/api/deals?pipeline=${id(pipelineId)}`, "deals"),
  deal: (token: string, dealId: string): Promise<Deal> => call<Deal>(token, `/api/deals/${id(dealId)}`),
  move: (token: string, dealId: string, stageId: string, expectedVersion: number, reason = ""): Promise<{ version: number }> =>
    call(token, `/api/deals/${id(dealId)}/move`, {
      method: "POST",
      body: JSON.stringify({ stage_id: stageId, expected_version: expectedVersion, ...(reason ? { reason } : {}) }),
    }),
  /** Open activities with a due time, the soonest first: what is overdue and what is due next. */
  dueActivities: (token: string): Promise<Activity[]> =>
    everyPage<Activity>(token, "/api/activities?state=due&responsible=me", "activities"),
  activitiesOf: async (token: string, kind: string, subjectId: string): Promise<Activity[]> =>
    (await call<{ activities: Activity[] }>(token, `/api/activities?state=all&subject_kind=${id(kind)}&subject_id=${id(subjectId)}&limit=50`))
      .activities,
  timeline: async (token: string, kind: string, subjectId: string): Promise<TimelineEntry[]> =>
    (await call<{ timeline: TimelineEntry[] }>(token, `/api/timeline/${id(kind)}/${id(subjectId)}?limit=100`)).timeline,
  lead: (token: string, leadId: string): Promise<Lead> => call<Lead>(token, `/api/leads/${id(leadId)}`),
  person: (token: string, contactId: string): Promise<Person> => call<Person>(token, `/api/contacts/${id(contactId)}`),
  reports: async (token: string): Promise<ReportInfo[]> => (await call<{ reports: ReportInfo[] }>(token, "/api/reports")).reports,
  report: (token: string, name: string, query: string): Promise<ReportTable> =>
    call<ReportTable>(token, `/api/reports/${id(name)}${query ? `?${query}` : ""}`),
};
