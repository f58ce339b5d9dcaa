import { describe, expect, it, vi } from "vitest";
import type { Connection, SocketEvents } from "./socket";
import { type Alert, ConsoleStore } from "./store";
import type { Conversation, Frame, Message, Operator } from "./types";

const ME: Operator = { manager_id: "m-me", name: "Anna", email: "anna@example.com", role: "manager" };

class FakeSocket implements Connection {
  sent: Record<string, unknown>[] = [];
  online = true;
  connect(): void {}
  stop(): void {}
  send(frame: Record<string, unknown>): boolean {
    if (this.online) this.sent.push(frame);
    return this.online;
  }
  last(): Record<string, unknown> {
    const frame = this.sent[this.sent.length - 1];
    if (!frame) throw new Error("nothing sent");
    return frame;
  }
}

function conversation(id: string, change: Partial<Conversation> = {}): Conversation {
  return {
    id,
    channel: "webchat",
    address: `webchat:${id}`,
    status: "open",
    lead_id: `lead-${id}`,
    manager_id: ME.manager_id,
    lead_status: "assigned",
    offered_to: [],
    message_count: 1,
    last_message: "hello",
    last_message_at: "2026-12-03T10:00:00+00:00",
    opened_at: "2026-12-03T10:00:00+00:00",
    ...change,
  };
}

function message(place: number, conversationId = "c1", change: Partial<Message> = {}): Message {
  return {
    notification_id: place,
    conversation_id: conversationId,
    message_id: `m${place}`,
    author: "customer",
    text: `message ${place}`,
    at: "2026-12-03T10:00:00+00:00",
    ...change,
  };
}

function places(from: number, to: number): Message[] {
  return Array.from({ length: to - from + 1 }, (_, i) => message(from + i));
}

function opened() {
  const socket = new FakeSocket();
  const alerts: Alert[] = [];
  let events: SocketEvents | undefined;
  const store = new ConsoleStore("token", (alert) => alerts.push(alert), () => undefined, (given) => {
    events = given;
    return socket;
  });
  const receive = (frame: Frame) => events?.frame(frame);
  const ready = (conversations: Conversation[], more: string | null = null) =>
    receive({ type: "ready", operator: ME, manager: null, conversations, next_cursor: more });
  const answer = (messages: Message[], cursor: string | null) =>
    receive({
      type: "history",
      conversation_id: "c1",
      messages,
      next_cursor: cursor,
      request_id: socket.last()["request_id"] as string,
    });
  return { store, socket, alerts, receive, ready, answer };
}

const shown = (store: ConsoleStore, id = "c1") => (store.state.messages.get(id) ?? []).map((m) => m.notification_id);

describe("resuming after the socket dropped", () => {
  it("pages back until it meets what it held, and shows each message once", () => {
    const { store, socket, ready, answer } = opened();
    ready([conversation("c1")]);
    store.open("c1");
    answer([message(1), message(2)], null);

    socket.online = false; // the gateway goes away; 300 messages are written meanwhile
    ready([conversation("c1", { message_count: 302 })]);
    socket.online = true;
    ready([conversation("c1", { message_count: 302 })]);
    expect(socket.last()).toMatchObject({ type: "history", conversation_id: "c1" });
    expect(socket.last()).not.toHaveProperty("cursor");
    answer(places(203, 302), "before-203");
    expect(socket.last()).toMatchObject({ cursor: "before-203" });
    answer(places(103, 202), "before-103");
    expect(socket.last()).toMatchObject({ cursor: "before-103" });
    answer(places(2, 102), "before-2"); // reaches what was held: no page more
    const asked = socket.sent.length;
    expect(shown(store)).toEqual(places(1, 302).map((m) => m.notification_id));
    expect(socket.sent.length).toBe(asked);
  });

  it("keeps the cursor to earlier messages of the first page, not of a refreshed one", () => {
    const { store, socket, ready, answer } = opened();
    ready([conversation("c1")]);
    store.open("c1");
    answer(places(101, 200), "before-101");
    ready([conversation("c1")]);
    answer(places(151, 250), "before-151");
    expect(store.state.earlier.get("c1")).toBe("before-101");
    store.showEarlier();
    expect(socket.last()).toMatchObject({ cursor: "before-101" });
    answer(places(1, 100), null);
    expect(shown(store)).toEqual(places(1, 250).map((m) => m.notification_id));
    expect(store.state.earlier.get("c1")).toBeNull();
  });

  it("sends a reply typed while offline once it is back, under the same request id, and shows it once", () => {
    const { store, socket, receive, ready, answer } = opened();
    ready([conversation("c1")]);
    store.open("c1");
    answer([message(1)], null);
    socket.online = false;
    store.reply("On my way");
    expect(store.state.pending).toHaveLength(1);
    socket.online = true;
    ready([conversation("c1")]);
    const sent = socket.sent.filter((f) => f["type"] === "reply");
    expect(sent).toHaveLength(1);
    const requestId = sent[0]?.["request_id"] as string;
    expect(requestId).toBe(store.state.pending[0]?.request_id);
    receive({ type: "ack", request_id: requestId, reply_id: "r1" });
    receive({ type: "message", message: message(2, "c1", { message_id: "r1", author: "manager", text: "On my way" }) });
    receive({ type: "message", message: message(2, "c1", { message_id: "r1", author: "manager", text: "On my way" }) });
    expect(store.state.pending).toHaveLength(0);
    expect(shown(store)).toEqual([1, 2]);
  });

  it("forgets conversations the first page should have held and no longer does", () => {
    const { store, ready } = opened();
    ready([conversation("c1"), conversation("c2")]);
    ready([conversation("c1")]);
    expect([...store.state.conversations.keys()]).toEqual(["c1"]);
  });
});

describe("what an operator may no longer see", () => {
  it("leaves with its messages when a colleague takes it", () => {
    const { store, receive, ready } = opened();
    ready([conversation("c1", { manager_id: null, offered_to: [ME.manager_id] })]);
    receive({ type: "message", message: message(1) });
    receive({ type: "conversation_removed", id: "c1" });
    expect(store.state.conversations.has("c1")).toBe(false);
    expect(store.state.messages.has("c1")).toBe(false);
  });
});

describe("alerts", () => {
  it("rings for an offer and for a lead the router assigns, not for the first page nor a lead taken here", () => {
    const { store, alerts, receive, ready } = opened();
    ready([conversation("old")]);
    const offer = conversation("c1", { manager_id: null, offered_to: [ME.manager_id], lead_status: "offered" });
    receive({ type: "conversation", conversation: offer });
    store.accept("lead-c1");
    receive({ type: "conversation", conversation: conversation("c1") });
    receive({ type: "conversation", conversation: conversation("c2", { manager_id: null }) });
    receive({ type: "conversation", conversation: conversation("c2") });
    expect(alerts.map((a) => [a.kind, a.conversation.id])).toEqual([
      ["offered", "c1"],
      ["assigned", "c2"],
    ]);
  });
});

describe("the chat's hooks on the store", () => {
  it("pages every filter with the gateway's cursor, counts from the gateway, and keeps the live rows", () => {
    const { store, socket, ready, receive } = opened();
    const counts = { all: 250, mine: 120, team: 230, unassigned: 3, offered: 2, closed: 9 };
    const listed = (conversations: Conversation[], next_cursor: string | null, withCounts = counts) =>
      receive({ type: "conversations", conversations, next_cursor, counts: withCounts, request_id: socket.last()["request_id"] as string });
    ready([conversation("c1", { last_message: "live" })]);
    expect(socket.last()).toMatchObject({ type: "conversations", filter: "all", limit: 100 });
    listed([conversation("c1", { last_message: "stale" })], "after-c1");
    expect(store.state.totals).toEqual(counts); // the bar's figures: all the operator may see
    expect(store.state.conversations.get("c1")?.last_message).toBe("live");

    store.list({ filter: "team", channel: "", search: "" });
    const asked = socket.last();
    expect(asked).toMatchObject({ type: "conversations", filter: "team" });
    expect(asked).not.toHaveProperty("cursor");
    expect(store.state.more).toBeNull(); // the old query's cursor is no cursor of this one
    listed([conversation("c2")], "after-c2");
    expect(store.state.more).toBe("after-c2");
    store.showMore();
    expect(socket.last()).toMatchObject({ filter: "team", cursor: "after-c2" });
    listed([conversation("c3")], null, null as unknown as typeof counts);
    expect([...store.state.conversations.keys()]).toEqual(["c1", "c2", "c3"]);
    expect(store.state.more).toBeNull();
    expect(store.state.counts).toEqual(counts);
    store.list({ filter: "all", channel: "", search: "" });
    store.list({ filter: "team", channel: "", search: "" });
    listed([conversation("c2")], "after-c2");
    expect(store.state.more).toBeNull(); // paged to its end before: every row is here, changes come live

    store.list({ filter: "all", channel: "", search: "size 42" });
    const stale = socket.last()["request_id"] as string;
    store.list({ filter: "all", channel: "", search: "delivery" });
    receive({ type: "conversations", conversations: [conversation("c9")], next_cursor: "x", counts, request_id: stale });
    expect(store.state.conversations.has("c9")).toBe(false); // an answer to a query since left
    expect(socket.last()).toMatchObject({ q: "delivery" });
    listed([conversation("c4")], null, { ...counts, all: 1 });
    expect([...store.state.found]).toEqual(["c4"]); // found by words in messages this console never read
    expect(store.state.totals?.all).toBe(250); // a search's counts are not the bar's
    receive({ type: "conversation", conversation: conversation("c4", { last_message: "news" }) });
    expect(store.state.conversations.get("c4")?.last_message).toBe("news");
  });

  it("counts again after conversations change, and once allowed when the gateway says too many commands", () => {
    vi.useFakeTimers();
    try {
      const { store, socket, ready, receive } = opened();
      ready([]);
      const counting = () => socket.sent.filter((f) => f.type === "conversations" && f.limit === 1);
      receive({ type: "conversation", conversation: conversation("c1") });
      receive({ type: "conversation", conversation: conversation("c2") });
      vi.advanceTimersByTime(1000);
      expect(counting()).toHaveLength(1); // two changes, counted once
      const refused = counting()[0]?.request_id;
      receive({ type: "error", code: "rate_limited", detail: "too many commands; slow down", request_id: refused as string, retry_after: 3 });
      expect(store.state.notice).toBe(""); // nothing the operator must act on
      vi.advanceTimersByTime(2999);
      expect(counting()).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(counting()).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows every frame to its watchers, and keeps a command's own request id", () => {
    const { store, socket, ready } = opened();
    const seen: string[] = [];
    store.watch((frame) => seen.push(frame.type));
    ready([]);
    expect(seen).toEqual(["ready"]);
    expect(store.act({ type: "note", request_id: "n-1" })).toBe("n-1");
    expect(store.act({ type: "pins" })).toMatch(/^c\d+$/);
    const commands = socket.sent.filter((f) => f.type !== "conversations"); // the list asks its own page on ready
    expect(commands.map((f) => f.request_id)).toEqual(["n-1", expect.stringMatching(/^c\d+$/)]);
  });
});
