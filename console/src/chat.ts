// The chat's actions beside the conversations: colleagues and teams, pins, canned replies, who is typing.

import type { ConsoleStore } from "./store";

export interface Colleague {
  id: string;
  name: string;
  work_day: string;
  open_leads: number;
  capacity: number;
  teams: string[];
}

export interface CannedReply {
  id: string;
  owner: string;
  shortcut: string;
  text: string;
}

/** Someone typing in a conversation, until when the console shows it. */
export interface Typist {
  who: string;
  until: number;
}

export interface ChatState {
  colleagues: readonly Colleague[];
  teams: readonly string[];
  pinned: readonly string[]; // the latest pinned first
  canned: readonly CannedReply[];
  typing: ReadonlyMap<string, readonly Typist[]>; // by conversation
}

type ChatFrame =
  | { type: "ready"; pinned?: string[] }
  | { type: "pins"; pinned: string[] }
  | { type: "colleagues"; colleagues: Colleague[]; teams: string[] }
  | { type: "canned_replies"; canned_replies: CannedReply[] }
  | { type: "typing"; conversation_id: string; who: string; name?: string }
  | { type: "message"; message: { conversation_id: string; author: string; author_id?: string | null } }
  | { type: "ack"; canned_reply?: CannedReply };

/** How long a typing indicator shows after its last signal (the widget and colleagues send one every 2 to 3 s). */
export const TYPING_SHOWN_MS = 5000;
/** How often this console tells that its operator types, at most. */
export const TYPING_EVERY_MS = 2000;

/** Who types in a conversation now, as the console says it. */
export function typists(state: ChatState, conversationId: string, now: number): string[] {
  return (state.typing.get(conversationId) ?? []).filter((t) => t.until > now).map((t) => t.who);
}

/** The canned replies whose shortcut starts with what follows the "/" the reply box starts with; none without one. */
export function cannedFor(canned: readonly CannedReply[], text: string): CannedReply[] {
  const typed = /^\/(\S*)$/.exec(text);
  if (!typed) return [];
  const start = (typed[1] ?? "").toLowerCase();
  return canned.filter((c) => c.shortcut.toLowerCase().startsWith(start));
}

/** Colleagues who share a team with the operator (the operator among them). */
export function teamMates(colleagues: readonly Colleague[], me: string): Set<string> {
  const mine = new Set(colleagues.find((c) => c.id === me)?.teams ?? []);
  return new Set(colleagues.filter((c) => c.teams.some((t) => mine.has(t))).map((c) => c.id));
}

/** The chat's own state, fed by the console's frames, and its commands over the console's socket. */
export class ChatStore {
  state: ChatState = { colleagues: [], teams: [], pinned: [], canned: [], typing: new Map() };
  private readonly listeners = new Set<() => void>();
  private told = new Map<string, number>(); // when this console last said its operator types, by conversation
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly console: Pick<ConsoleStore, "watch" | "act">,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Start following the console's frames; returns the way to stop. */
  start(): () => void {
    const unwatch = this.console.watch((frame) => this.receive(frame as ChatFrame));
    return () => {
      unwatch();
      clearTimeout(this.timer);
    };
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  transfer(conversationId: string, colleague: string): void {
    this.console.act({ type: "transfer", conversation_id: conversationId, to_manager_id: colleague });
  }

  handToTeam(conversationId: string, team: string): void {
    this.console.act({ type: "transfer", conversation_id: conversationId, team });
  }

  invite(conversationId: string, colleague: string): void {
    this.console.act({ type: "invite", conversation_id: conversationId, manager_id: colleague });
  }

  leave(conversationId: string): void {
    this.console.act({ type: "leave", conversation_id: conversationId });
  }

  /** A hidden note: colleagues see it in the conversation, the customer never does. */
  note(conversationId: string, text: string): void {
    if (!text.trim()) return;
    this.console.act({ type: "note", conversation_id: conversationId, text, request_id: crypto.randomUUID() });
  }

  pin(conversationId: string, pinned: boolean): void {
    this.console.act({ type: pinned ? "pin" : "unpin", conversation_id: conversationId });
  }

  reopen(conversationId: string): void {
    this.console.act({ type: "reopen", conversation_id: conversationId });
  }

  /** Tell the visitor and colleagues that this operator types; at most once every TYPING_EVERY_MS. */
  typing(conversationId: string): void {
    const now = this.clock();
    if (now - (this.told.get(conversationId) ?? -Infinity) < TYPING_EVERY_MS) return;
    this.told = new Map(this.told).set(conversationId, now);
    this.console.act({ type: "typing", conversation_id: conversationId });
  }

  private receive(frame: ChatFrame): void {
    switch (frame.type) {
      case "ready":
        // Asked again on every (re)connection: colleagues' work days and the canned replies change meanwhile.
        this.set({ pinned: frame.pinned ?? this.state.pinned });
        this.console.act({ type: "colleagues" });
        this.console.act({ type: "canned_replies" });
        return;
      case "pins":
        return this.set({ pinned: frame.pinned });
      case "colleagues":
        return this.set({ colleagues: frame.colleagues, teams: frame.teams });
      case "canned_replies":
        return this.set({ canned: frame.canned_replies });
      case "typing":
        return this.typed(frame.conversation_id, frame.who === "visitor" ? "The visitor" : frame.name || "A colleague");
      case "message":
        // Whoever's message arrived has stopped typing it.
        return this.stopped(frame.message.conversation_id, frame.message.author === "customer" ? "The visitor" : null);
      case "ack":
        if (frame.canned_reply) this.console.act({ type: "canned_replies" });
        return;
    }
  }

  private typed(conversationId: string, who: string): void {
    const until = this.clock() + TYPING_SHOWN_MS;
    const others = (this.state.typing.get(conversationId) ?? []).filter((t) => t.who !== who);
    this.set({ typing: new Map(this.state.typing).set(conversationId, [...others, { who, until }]) });
    clearTimeout(this.timer);
    // Shown until the last one expires, then the indicator goes without another frame.
    this.timer = setTimeout(() => this.set({}), TYPING_SHOWN_MS + 50);
  }

  private stopped(conversationId: string, who: string | null): void {
    const now = this.state.typing.get(conversationId);
    if (!now || who === null) return;
    this.set({ typing: new Map(this.state.typing).set(conversationId, now.filter((t) => t.who !== who)) });
  }

  private set(change: Partial<ChatState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }
}
