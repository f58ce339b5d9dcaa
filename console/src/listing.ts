// Which page of the list the console asks the gateway for: each filter, channel and search is the
// gateway's to answer (with every page past the first and each tab's count), not this browser's.

import type { Filter } from "./conversations";

export interface ListQuery {
  filter: Filter;
  channel: string;
  search: string;
}

/** How many conversations each tab holds, among those the operator may see. */
export type Counts = Readonly<Record<Filter, number>>;

export const EVERYTHING: ListQuery = { filter: "all", channel: "", search: "" };

export function queryKey(q: ListQuery): string {
  return JSON.stringify([q.filter, q.channel, q.search.trim().toLowerCase()]);
}

/** Whether a query's counts are the operator's whole (the bar's figures), not a channel's or a search's. */
export function isWhole(q: ListQuery): boolean {
  return !q.channel && !q.search.trim();
}

/** The `conversations` command for a page of the query: the first (with counts), or the one after ``cursor``. */
export function pageFrame(q: ListQuery, cursor: string | null, limit: number): Record<string, unknown> {
  const search = q.search.trim();
  return {
    type: "conversations",
    filter: q.filter,
    limit,
    ...(q.channel ? { channel: q.channel } : {}),
    ...(search ? { q: search } : {}),
    ...(cursor ? { cursor } : {}),
  };
}
