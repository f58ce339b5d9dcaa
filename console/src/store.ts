// The console's state, fed by the socket's frames; components read it and call its commands.

import { leavesGap, merged, lastPlace } from "./history";
import { ConsoleSocket, type Connection, type Link, type SocketEvents } from "./socket";
import type { Conversation, Frame, ManagerLoad, Message, Operator, PendingReply, Upload } from "./types";
import { byActivity, isOfferedTo } from "./conversations";
import { type Counts, EVERYTHING, isWhole, type ListQuery, pageFrame, queryKey } from "./listing";
import { unread } from "./unread";

const PAGE = 100;
const COUNTS_AFTER_MS = 1000; // changes that come together are counted again once; the commands' rate is shared

export interface State {
  link: Link;
  operator: Operator | null;
  manager: ManagerLoad | null;
  conversations: ReadonlyMap<string, Conversation>;
  messages: ReadonlyMap<string, readonly Message[]>;
  earlier: ReadonlyMap<string, string | null>; // cursor to a conversation's older messages
  pending: readonly PendingReply[];
  current: string | null;
  notice: string;
  seen: ReadonlyMap<string, number>; // how many messages the operator has seen, per conversation
  more: string | null; // cursor to the conversations past those listed, in the list's query
  query: ListQuery; // the filter, channel and search the list shows
  counts: Counts | null; // each tab's count in the query's channel and search
  totals: Counts | null; // each tab's count of all the operator may see: the bar's figures
  found: ReadonlySet<string>; // what the gateway's search found: it reads messages this console has not
}

export interface Alert {
  kind: "assigned" | "offered";
  conversation: Conversation;
}

type Asked = { conversation_id: string; kind: "latest" | "earlier"; heldUpTo: number | null };
type ListAsked = { key: string; kind: "first" | "more" | "counts" | "totals"; whole: boolean };

/** One operator's console: the socket, what it has told, and the operator's commands. */
export class ConsoleStore {
  state: State = {
    link: "connecting",
    operator: null,
    manager: null,
    conversations: new Map(),
    messages: new Map(),
    earlier: new Map(),
    pending: [],
    current: null,
    notice: "",
    seen: new Map(),
    more: null,
    query: EVERYTHING,
    counts: null,
    totals: null,
    found: new Set(),
  };
  private readonly listeners = new Set<() => void>();
  private readonly asked = new Map<string, Asked>();
  private readonly listAsked = new Map<string, ListAsked>();
  private countsTimer: ReturnType<typeof setTimeout> | null = null;
  // Queries paged to their end on this socket: all they hold is here, and what changes comes live.
  private readonly exhausted = new Set<string>();
  private readonly socket: Connection;
  private readonly accepted = new Set<string>(); // leads taken here: no need to announce them
  private readonly watchers = new Set<(frame: { type: string }) => void>();
  private sequence = 0;
  private everReady = false;

  constructor(
    token: string,
    private readonly alert: (alert: Alert) => void,
    sessionOver: (reason: string) => void,
    socket: (events: SocketEvents) => Connection = (events) => new ConsoleSocket(token, events),
  ) {
    this.socket = socket({ frame: (frame) => this.receive(frame), link: (link) => this.set({ link }), sessionOver });
  }

  start(): void {
    this.socket.connect();
  }

  stop(): void {
    if (this.countsTimer !== null) clearTimeout(this.countsTimer);
    this.socket.stop();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every frame the gateway sends, for parts of the console that keep state of their own (the chat's actions). */
  watch(watcher: (frame: { type: string }) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Send a command with a request id (the frame's, or one of its own); null (and a notice) when not connected. */
  act(frame: Record<string, unknown>): string | null {
    // A command stored once per request id (a note) brings an id unique for good, not this page's sequence.
    const request_id = typeof frame.request_id === "string" ? frame.request_id : `c${++this.sequence}`;
    if (this.socket.send({ ...frame, request_id })) return request_id;
    this.set({ notice: "not connected: try again in a moment" });
    return null;
  }

  // Commands --------------------------------------------------------------------------------------

  open(conversationId: string | null): void {
    this.set({ current: conversationId, notice: "" });
    if (conversationId !== null) {
      this.markSeen(conversationId);
      this.fetchLatest(conversationId);
    }
  }

  /** Show the conversations a filter, channel and search find: the gateway's first page of them, and counts. */
  list(query: ListQuery): void {
    if (queryKey(query) === queryKey(this.state.query)) return;
    this.set({ query, more: null, counts: null, found: new Set() });
    this.askList("first");
  }

  /** The next page of the list's query, past those listed. */
  showMore(): void {
    if (this.state.more) this.askList("more");
  }

  /** Older messages of the open conversation, before those shown. */
  showEarlier(): void {
    const id = this.state.current;
    const cursor = id === null ? null : this.state.earlier.get(id);
    if (id === null || !cursor) return;
    this.ask({ type: "history", conversation_id: id, limit: PAGE, cursor }, { conversation_id: id, kind: "earlier", heldUpTo: null });
  }

  reply(text: string, attachments: Upload[] = []): void {
    const conversation_id = this.state.current;
    if (conversation_id === null || (!text.trim() && attachments.length === 0)) return;
    const request_id = crypto.randomUUID();
    const reply: PendingReply = { request_id, conversation_id, text, attachments, reply_id: null, failed: null };
    this.set({ pending: [...this.state.pending, reply] });
    this.sendReply(reply);
  }

  /** Send a failed reply again, under the same request id: the gateway stores it once whatever happens. */
  retry(requestId: string): void {
    const reply = this.state.pending.find((p) => p.request_id === requestId);
    if (!reply) return;
    this.updatePending(requestId, { failed: null });
    this.sendReply(reply);
  }

  workDay(action: "start" | "pause" | "resume" | "end"): void {
    this.command({ type: "work_day", action });
  }

  close(conversationId: string): void {
    this.command({ type: "close", conversation_id: conversationId });
  }

  accept(leadId: string): void {
    this.accepted.add(leadId);
    this.command({ type: "accept", lead_id: leadId });
  }

  markSeen(conversationId: string): void {
    const c = this.state.conversations.get(conversationId);
    if (!c || this.state.seen.get(conversationId) === c.message_count) return;
    const seen = new Map(this.state.seen).set(conversationId, c.message_count);
    this.set({ seen });
    if (this.state.operator) unread.save(this.state.operator.manager_id, seen);
  }

  // Frames ----------------------------------------------------------------------------------------

  private receive(frame: Frame): void {
    for (const watcher of this.watchers) watcher(frame);
    switch (frame.type) {
      case "ready":
        return this.ready(frame.operator, frame.manager ?? null, frame.conversations, frame.next_cursor);
      case "conversations":
        return this.listed(frame.conversations, frame.next_cursor, frame.counts, frame.request_id);
      case "conversation":
        this.countAgain();
        return this.conversationChanged(frame.conversation);
      case "conversation_removed":
        this.countAgain();
        return this.forget(frame.id);
      case "message":
        return this.arrived(frame.message.conversation_id, [frame.message]);
      case "history":
        return this.historyPage(frame.conversation_id, frame.messages, frame.next_cursor, frame.request_id);
      case "ack":
        if (frame.manager) this.set({ manager: frame.manager });
        if (typeof frame.request_id === "string" && frame.reply_id) this.acknowledged(frame.request_id, frame.reply_id);
        return;
      case "error":
        return this.refused(frame.request_id, frame.detail, frame.retry_after);
    }
  }

  private ready(operator: Operator, manager: ManagerLoad | null, listed: Conversation[], more: string | null): void {
    this.asked.clear(); // what was asked on a socket that dropped is never answered: it is asked again below
    const before = this.state.conversations;
    const conversations = new Map<string, Conversation>();
    for (const c of listed) conversations.set(c.id, c);
    // What this console showed stays only where the first page cannot tell: past its last row.
    // Anything that page should have held and does not is no longer this operator's to see.
    const last = listed[listed.length - 1];
    for (const [id, c] of before) {
      if (!conversations.has(id) && more !== null && last && byActivity(last, c) < 0) conversations.set(id, c);
    }
    for (const id of before.keys()) if (!conversations.has(id)) this.forget(id);
    const seen = this.state.seen.size ? this.state.seen : unread.load(operator.manager_id);
    this.set({ operator, manager: manager ?? this.state.manager, conversations, seen, more: null });
    // The list's query is asked again on every socket: its first page, cursor and counts.
    this.listAsked.clear();
    this.exhausted.clear();
    this.askList("first");
    if (!isWhole(this.state.query)) this.askList("totals");
    if (this.everReady) for (const c of listed) this.maybeAlert(before.get(c.id), c);
    this.everReady = true;
    // Resume: the open conversation from where it was, and every reply not yet acknowledged.
    if (this.state.current !== null) this.fetchLatest(this.state.current);
    for (const reply of this.state.pending) if (reply.reply_id === null && reply.failed === null) this.sendReply(reply);
  }

  private listed(rows: Conversation[], cursor: string | null, counts: Counts | null, requestId: unknown): void {
    const asked = typeof requestId === "string" ? this.listAsked.get(requestId) : undefined;
    if (!asked) return;
    this.listAsked.delete(requestId as string);
    if (counts && asked.whole) this.set({ totals: counts }); // tabs count alike whichever filter is chosen
    if (asked.kind === "totals" || asked.key !== queryKey(this.state.query)) return; // a query since left
    if (asked.kind === "counts") {
      this.set({ counts });
      return;
    }
    const conversations = new Map(this.state.conversations);
    for (const c of rows) if (!conversations.has(c.id)) conversations.set(c.id, c);
    const found = new Set(asked.kind === "more" ? this.state.found : []);
    if (this.state.query.search.trim()) for (const c of rows) found.add(c.id);
    if (cursor === null) this.exhausted.add(asked.key);
    const more = this.exhausted.has(asked.key) ? null : cursor;
    this.set({ conversations, more, found, ...(counts ? { counts } : {}) });
  }

  /** The counts again, once, shortly after conversations change: they are the gateway's, of every page. */
  private countAgain(after = COUNTS_AFTER_MS): void {
    if (this.countsTimer !== null) return;
    this.countsTimer = setTimeout(() => {
      this.countsTimer = null;
      this.askList("counts");
      if (!isWhole(this.state.query)) this.askList("totals");
    }, after);
  }

  private askList(kind: ListAsked["kind"]): void {
    const query = kind === "totals" ? EVERYTHING : this.state.query;
    const request_id = `l${++this.sequence}`;
    const frame = pageFrame(query, kind === "more" ? this.state.more : null, kind === "counts" || kind === "totals" ? 1 : PAGE);
    if (this.socket.send({ ...frame, request_id })) this.listAsked.set(request_id, { key: queryKey(query), kind, whole: isWhole(query) });
  }

  /** A conversation no longer this operator's to see (taken by a colleague, moved away): nothing of it stays. */
  private forget(conversationId: string): void {
    const conversations = new Map(this.state.conversations);
    const messages = new Map(this.state.messages);
    const earlier = new Map(this.state.earlier);
    conversations.delete(conversationId);
    messages.delete(conversationId);
    earlier.delete(conversationId);
    this.set({ conversations, messages, earlier });
  }

  private conversationChanged(c: Conversation): void {
    const before = this.state.conversations.get(c.id);
    this.set({ conversations: new Map(this.state.conversations).set(c.id, c) });
    this.maybeAlert(before, c);
    if (c.id === this.state.current) {
      // Delivery states and edits change a message without a message frame: read the latest page again.
      this.fetchLatest(c.id);
      if (globalThis.document?.visibilityState === "visible") this.markSeen(c.id);
    }
  }

  private maybeAlert(before: Conversation | undefined, after: Conversation): void {
    const me = this.state.operator;
    if (!me) return;
    const taken = after.lead_id !== null && this.accepted.has(after.lead_id);
    if (after.manager_id === me.manager_id && before?.manager_id !== me.manager_id && !taken) {
      this.alert({ kind: "assigned", conversation: after });
    } else if (isOfferedTo(after, me) && !(before && isOfferedTo(before, me))) {
      this.alert({ kind: "offered", conversation: after });
    }
  }

  private arrived(conversationId: string, messages: readonly Message[]): void {
    const held = this.state.messages.get(conversationId) ?? [];
    const all = merged(held, messages);
    const shown = new Set(all.map((m) => m.message_id));
    const pending = this.state.pending.filter((p) => p.conversation_id !== conversationId || !p.reply_id || !shown.has(p.reply_id));
    this.set({ messages: new Map(this.state.messages).set(conversationId, all), pending });
  }

  private historyPage(conversationId: string, page: Message[], cursor: string | null, requestId: unknown): void {
    const asked = typeof requestId === "string" ? this.asked.get(requestId) : undefined;
    if (typeof requestId === "string") this.asked.delete(requestId);
    this.arrived(conversationId, page);
    const earlier = new Map(this.state.earlier);
    // A refreshed latest page says nothing of what lies before the messages already held.
    if (asked?.kind === "earlier" || !earlier.has(conversationId)) earlier.set(conversationId, cursor);
    this.set({ earlier });
    if (asked?.kind === "latest" && cursor !== null && leavesGap(page, asked.heldUpTo, true)) {
      // More was written while away than one page holds: fetch back until the pages meet.
      this.ask(
        { type: "history", conversation_id: conversationId, limit: PAGE, cursor },
        { conversation_id: conversationId, kind: "latest", heldUpTo: asked.heldUpTo },
      );
    }
  }

  private acknowledged(requestId: string, replyId: string): void {
    const reply = this.state.pending.find((p) => p.request_id === requestId);
    if (!reply) return;
    const shown = (this.state.messages.get(reply.conversation_id) ?? []).some((m) => m.message_id === replyId);
    if (shown) this.set({ pending: this.state.pending.filter((p) => p.request_id !== requestId) });
    else this.updatePending(requestId, { reply_id: replyId });
  }

  private refused(requestId: unknown, detail: string, retryAfter: number | undefined): void {
    const reply = this.state.pending.find((p) => p.request_id === requestId);
    if (reply) {
      this.updatePending(reply.request_id, { failed: retryAfter ? `${detail} (try again in ${retryAfter}s)` : detail });
      return;
    }
    if (typeof requestId === "string") this.asked.delete(requestId);
    const listAsked = typeof requestId === "string" ? this.listAsked.get(requestId) : undefined;
    if (listAsked) this.listAsked.delete(requestId as string);
    if (listAsked?.kind === "counts" || listAsked?.kind === "totals") {
      this.countAgain((retryAfter ?? 1) * 1000); // refused (too many commands): counted once allowed, silently
      return;
    }
    this.set({ notice: detail });
  }

  // Plumbing --------------------------------------------------------------------------------------

  private fetchLatest(conversationId: string): void {
    const heldUpTo = lastPlace(this.state.messages.get(conversationId) ?? []);
    this.ask(
      { type: "history", conversation_id: conversationId, limit: PAGE },
      { conversation_id: conversationId, kind: "latest", heldUpTo },
    );
  }

  private ask(frame: Record<string, unknown>, asked: Asked): void {
    const request_id = `h${++this.sequence}`;
    if (this.socket.send({ ...frame, request_id })) this.asked.set(request_id, asked);
  }

  private sendReply(reply: PendingReply): void {
    const { conversation_id, text, request_id, attachments } = reply;
    const files = attachments.map(({ sha256, filename, content_type }) => ({ sha256, filename, content_type }));
    this.socket.send({ type: "reply", conversation_id, text, request_id, ...(files.length ? { attachments: files } : {}) });
  }

  private command(frame: Record<string, unknown>): void {
    this.act(frame);
  }

  private updatePending(requestId: string, change: Partial<PendingReply>): void {
    this.set({ pending: this.state.pending.map((p) => (p.request_id === requestId ? { ...p, ...change } : p)) });
  }

  private set(change: Partial<State>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }
}
