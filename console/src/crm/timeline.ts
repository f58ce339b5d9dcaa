// A timeline entry in words: what happened ("Deal.StageChanged" is "Deal stage changed") and what it says.

import type { TimelineEntry } from "./types";

// The parts of an entry's summary worth a line, in the order people read them.
const TOLD = ["title", "subject", "text", "stage", "reason", "result", "status", "amount"];

/** "Deal.StageChanged" as "Deal stage changed"; underscores and dots as spaces. */
export function happened(kind: string): string {
  const words = kind.replace(/[._]/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What the entry says: its title, text, the stage reached (by name) and the like, without empty parts. */
export function said(entry: TimelineEntry): string {
  const parts: string[] = [];
  for (const key of TOLD) {
    const value = entry.summary[key];
    if (typeof value === "string" && value.trim()) parts.push(key === "stage" ? `→ ${value}` : value);
    else if (typeof value === "number") parts.push(String(value));
    else if (key === "stage" && value && typeof value === "object" && typeof (value as { name?: unknown }).name === "string") {
      parts.push(`→ ${(value as { name: string }).name}`);
    }
  }
  return parts.join(" · ");
}
