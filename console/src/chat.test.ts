import { describe, expect, it } from "vitest";
import { cannedFor, ChatStore, type CannedReply, type Colleague, teamMates, TYPING_EVERY_MS, TYPING_SHOWN_MS, typists } from "./chat";
import { keeps, pinnedFirst } from "./conversations";
import type { Conversation, Operator } from "./types";

function reply(shortcut: string, text = `the ${shortcut} text`): CannedReply {
  return { id: shortcut, owner: "team:sales", shortcut, text };
}

function colleague(id: string, teams: string[]): Colleague {
  return { id, name: id, work_day: "started", open_leads: 0, capacity: 5, teams };
}

class FakeConsole {
  sent: Record<string, unknown>[] = [];
  watcher: (frame: { type: string }) => void = () => undefined;
  watch(watcher: (frame: { type: string }) => void) {
    this.watcher = watcher;
    return () => undefined;
  }
  act(frame: Record<string, unknown>) {
    this.sent.push(frame);
    return `c${this.sent.length}`;
  }
}

function chat(now = { t: 1000 }) {
  const console = new FakeConsole();
  const store = new ChatStore(console, () => now.t);
  store.start();
  return { console, store, now };
}

const ME: Operator = { manager_id: "me", name: "Anna", email: "a@example.com", role: "manager" };

function conversation(id: string, change: Partial<Conversation> = {}): Conversation {
  return {
    id,
    channel: "webchat",
    address: `webchat:${id}`,
    status: "open",
    lead_id: null,
    manager_id: null,
    lead_status: "new",
    offered_to: [],
    message_count: 1,
    last_message: "hi",
    last_message_at: `2026-12-03T10:00:0${id.length}+00:00`,
    opened_at: "2026-12-03T10:00:00+00:00",
    ...change,
  };
}

describe("canned replies", () => {
  const all = [reply("hello"), reply("help"), reply("price")];
  it("are offered only after a leading slash, by the start of their shortcut", () => {
    expect(cannedFor(all, "/he").map((c) => c.shortcut)).toEqual(["hello", "help"]);
    expect(cannedFor(all, "/").length).toBe(3);
    expect(cannedFor(all, "/HEL").map((c) => c.shortcut)).toEqual(["hello", "help"]);
  });
  it("are not offered in a sentence or past a space", () => {
    expect(cannedFor(all, "he")).toEqual([]);
    expect(cannedFor(all, "/hello there")).toEqual([]);
    expect(cannedFor(all, "see /hel")).toEqual([]);
  });
});

describe("my team's conversations", () => {
  const people = [colleague("me", ["sales"]), colleague("boris", ["sales", "b2b"]), colleague("dora", ["support"])];
  it("are those held by, or offered to, someone who shares a team with me", () => {
    const mates = teamMates(people, "me");
    expect([...mates].sort()).toEqual(["boris", "me"]);
    expect(keeps("team", conversation("a", { manager_id: "boris" }), ME, mates)).toBe(true);
    expect(keeps("team", conversation("b", { manager_id: "dora" }), ME, mates)).toBe(false);
    expect(keeps("team", conversation("c", { offered_to: ["boris"] }), ME, mates)).toBe(true);
    expect(keeps("team", conversation("d", { manager_id: "boris", status: "closed" }), ME, mates)).toBe(false);
  });
  it("are none while the colleagues are not known", () => {
    expect(keeps("team", conversation("a", { manager_id: "me" }), ME, teamMates([], "me"))).toBe(false);
  });
});

describe("pinned conversations", () => {
  it("come first, the latest pinned on top, then the others by activity", () => {
    const rows = [conversation("a"), conversation("bb"), conversation("ccc"), conversation("dddd")];
    expect(rows.sort(pinnedFirst(["a", "ccc"])).map((c) => c.id)).toEqual(["a", "ccc", "dddd", "bb"]);
  });
});

describe("the chat store", () => {
  it("asks for colleagues and canned replies on each ready, and keeps the pins it brings", () => {
    const { console, store } = chat();
    console.watcher({ type: "ready", pinned: ["c1"] } as { type: string });
    expect(console.sent.map((f) => f.type)).toEqual(["colleagues", "canned_replies"]);
    expect(store.state.pinned).toEqual(["c1"]);
    console.watcher({ type: "pins", pinned: ["c2", "c1"] } as { type: string });
    expect(store.state.pinned).toEqual(["c2", "c1"]);
  });

  it("shows who types for a while, and no longer once their message arrives", () => {
    const { console, store, now } = chat();
    console.watcher({ type: "typing", conversation_id: "c1", who: "visitor" } as { type: string });
    console.watcher({ type: "typing", conversation_id: "c1", who: "colleague", name: "Boris" } as { type: string });
    expect(typists(store.state, "c1", now.t)).toEqual(["The visitor", "Boris"]);
    expect(typists(store.state, "c2", now.t)).toEqual([]);
    console.watcher({ type: "message", message: { conversation_id: "c1", author: "customer" } } as { type: string });
    expect(typists(store.state, "c1", now.t)).toEqual(["Boris"]);
    expect(typists(store.state, "c1", now.t + TYPING_SHOWN_MS)).toEqual([]);
  });

  it("tells that its operator types at most once every few seconds per conversation", () => {
    const { console, store, now } = chat();
    store.typing("c1");
    store.typing("c1");
    store.typing("c2");
    now.t += TYPING_EVERY_MS;
    store.typing("c1");
    expect(console.sent).toEqual([
      { type: "typing", conversation_id: "c1" },
      { type: "typing", conversation_id: "c2" },
      { type: "typing", conversation_id: "c1" },
    ]);
  });

  it("sends a transfer to one colleague or one team, and never an empty note", () => {
    const { console, store } = chat();
    store.transfer("c1", "boris");
    store.handToTeam("c1", "support");
    store.note("c1", "  ");
    store.note("c1", "paid late");
    expect(console.sent.slice(0, 2)).toEqual([
      { type: "transfer", conversation_id: "c1", to_manager_id: "boris" },
      { type: "transfer", conversation_id: "c1", team: "support" },
    ]);
    expect(console.sent.slice(2).map((f) => [f.type, f.text])).toEqual([["note", "paid late"]]);
  });
});
