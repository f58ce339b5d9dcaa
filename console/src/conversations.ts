// What the list shows of a conversation, and which conversations each filter keeps.

import type { Conversation, Message, Operator } from "./types";

export type Filter = "all" | "mine" | "team" | "unassigned" | "offered" | "closed";

export const FILTERS: ReadonlyArray<[Filter, string]> = [
  ["all", "Open"],
  ["mine", "Mine"],
  ["team", "Team"],
  ["unassigned", "Unassigned"],
  ["offered", "Offers"],
  ["closed", "Closed"],
];

// Short marks rather than emoji: every browser has the letters, not every system the emoji font.
export const CHANNEL_MARKS: Readonly<Record<string, string>> = {
  webchat: "chat",
  email: "mail",
  telegram: "tg",
  vk: "vk",
  phone: "tel",
  form: "form",
};

// Channels whose sender reports each reply sent or failed; web-chat replies are posted to the chat itself.
const REPORTED = new Set(["email", "telegram", "vk"]);

export function deliveryReported(channel: string): boolean {
  return REPORTED.has(channel);
}

// Channels that can carry an operator's files (mail attachments, Telegram documents).
const CARRIES_FILES = new Set(["email", "telegram"]);

export function carriesFiles(channel: string): boolean {
  return CARRIES_FILES.has(channel);
}

export function channelMark(channel: string): string {
  return CHANNEL_MARKS[channel] ?? channel.slice(0, 4);
}

/** The customer as a person when the gateway knows their name, else their address in the channel. */
export function customerName(c: Conversation): string {
  const name = c.customer_name?.trim();
  if (name) return name;
  const [, value] = c.address.split(/:(.*)/s);
  return value || c.address;
}

export function isOfferedTo(c: Conversation, operator: Operator): boolean {
  return c.manager_id === null && c.offered_to.includes(operator.manager_id);
}

/** Whether the list's filter keeps a conversation; ``team`` holds the operator's team mates (themselves included). */
export function keeps(filter: Filter, c: Conversation, operator: Operator, team: ReadonlySet<string> = new Set()): boolean {
  const closed = c.status === "closed";
  switch (filter) {
    case "all":
      return !closed;
    case "mine":
      return !closed && c.manager_id === operator.manager_id;
    case "team":
      return !closed && (c.manager_id !== null ? team.has(c.manager_id) : c.offered_to.some((id) => team.has(id)));
    case "unassigned":
      return !closed && c.manager_id === null;
    case "offered":
      return isOfferedTo(c, operator);
    case "closed":
      return closed;
  }
}

/**
 * Whether a search finds the conversation: every word, in any order, in the customer's name, address
 * (their phone or e-mail in those channels), last message, or the messages this console has read.
 */
export function matches(c: Conversation, search: string, messages: readonly Message[] = []): boolean {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const said = messages.map((m) => `${m.subject ?? ""} ${m.text}`);
  const haystack = [customerName(c), c.address, c.last_message ?? "", ...said].join("\n").toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** Pinned conversations first, the latest pinned on top; the others by activity. */
export function pinnedFirst(pinned: readonly string[]): (a: Conversation, b: Conversation) => number {
  const place = new Map(pinned.map((id, n) => [id, n]));
  return (a, b) => (place.get(a.id) ?? Infinity) - (place.get(b.id) ?? Infinity) || byActivity(a, b);
}

/** Newest activity first, as the gateway pages them. */
export function byActivity(a: Conversation, b: Conversation): number {
  return (b.last_message_at ?? "").localeCompare(a.last_message_at ?? "") || b.id.localeCompare(a.id);
}

/** "now", "5m", "2h", "3d": how long since a time, in the unit that reads best. */
export function age(since: string | null, now: number): string {
  if (!since) return "";
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (seconds < 60) return "now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
