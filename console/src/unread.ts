// How many messages of each conversation the operator has seen, kept in this browser across reloads.

const KEY = "switchboard.seen.";
const KEEP = 2000; // conversations remembered; the oldest are forgotten first

export const unread = {
  load(managerId: string): Map<string, number> {
    try {
      const stored: unknown = JSON.parse(localStorage.getItem(KEY + managerId) ?? "[]");
      if (Array.isArray(stored)) {
        return new Map(stored.filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "number"));
      }
    } catch {
      // an unreadable entry is as good as none: every message counts as unseen
    }
    return new Map();
  },

  save(managerId: string, seen: ReadonlyMap<string, number>): void {
    const entries = [...seen].slice(-KEEP);
    try {
      localStorage.setItem(KEY + managerId, JSON.stringify(entries));
    } catch {
      // storage full or refused: unread counts last until the page is closed
    }
  },

  count(messageCount: number, seen: number | undefined): number {
    return Math.max(0, messageCount - (seen ?? 0));
  },
};
