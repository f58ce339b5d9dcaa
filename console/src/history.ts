// A conversation's messages as the console holds them: each once, in the gateway's order.

import type { Message } from "./types";

/**
 * The messages of ``known`` and ``arrived`` together, each once (by its place in the gateway's log,
 * ``notification_id``), oldest first. A message that arrives again replaces the one held: it carries
 * the news (delivery state, an edit).
 */
export function merged(known: readonly Message[], arrived: readonly Message[]): Message[] {
  if (arrived.length === 0) return known as Message[];
  const byPlace = new Map<number, Message>();
  for (const message of known) byPlace.set(message.notification_id, message);
  for (const message of arrived) byPlace.set(message.notification_id, message);
  return [...byPlace.values()].sort((a, b) => a.notification_id - b.notification_id);
}

/** The place of the latest message held, or null when none is. */
export function lastPlace(messages: readonly Message[]): number | null {
  const last = messages[messages.length - 1];
  return last === undefined ? null : last.notification_id;
}

/**
 * Whether a page of the latest messages leaves a gap before what was held: its oldest message is
 * newer than the newest held, and the gateway has older ones. Then the page before it is fetched
 * too, until they meet, so nothing written while the console was away is skipped.
 */
export function leavesGap(page: readonly Message[], heldUpTo: number | null, more: boolean): boolean {
  const oldest = page[0];
  return more && heldUpTo !== null && oldest !== undefined && oldest.notification_id > heldUpTo;
}
