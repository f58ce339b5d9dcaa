import { describe, expect, it } from "vitest";
import { age, customerName, keeps, matches } from "./conversations";
import type { Conversation, Operator } from "./types";

const ME: Operator = { manager_id: "m-me", name: "Anna", email: "anna@example.com", role: "manager" };
const BASE: Conversation = {
  id: "c1",
  channel: "email",
  address: "email:ilze@firm.lv",
  status: "open",
  lead_id: "l1",
  manager_id: null,
  lead_status: "offered",
  offered_to: ["m-me"],
  message_count: 2,
  last_message: "<b>Price</b> of boots?",
  last_message_at: "2026-12-03T10:00:00+00:00",
  opened_at: "2026-12-03T09:00:00+00:00",
};

describe("the list", () => {
  it("names the customer by name when known, else by their address in the channel", () => {
    expect(customerName(BASE)).toBe("ilze@firm.lv");
    expect(customerName({ ...BASE, customer_name: "<i>Ilze</i>" })).toBe("<i>Ilze</i>");
    expect(customerName({ ...BASE, address: "telegram:shop:42" })).toBe("shop:42");
  });

  it("keeps each filter's conversations", () => {
    const mine = { ...BASE, manager_id: "m-me", offered_to: [] };
    const closed = { ...mine, status: "closed" };
    expect([keeps("all", BASE, ME), keeps("unassigned", BASE, ME), keeps("offered", BASE, ME)]).toEqual([true, true, true]);
    expect([keeps("mine", BASE, ME), keeps("mine", mine, ME), keeps("offered", mine, ME)]).toEqual([false, true, false]);
    expect([keeps("all", closed, ME), keeps("mine", closed, ME), keeps("closed", closed, ME)]).toEqual([false, false, true]);
  });

  it("finds by every word in the name, address, last message or the messages read", () => {
    expect(matches(BASE, "firm.lv boots")).toBe(true);
    expect(matches(BASE, "boots riga")).toBe(false);
    expect(matches(BASE, "riga", [{ notification_id: 1, conversation_id: "c1", message_id: "m", author: "customer", text: "to Riga", at: "" }])).toBe(true);
  });

  it("says how long ago in the unit that reads best", () => {
    const now = Date.parse("2026-12-03T12:00:00+00:00");
    expect(["2026-12-03T11:59:30+00:00", "2026-12-03T11:55:00+00:00", "2026-12-03T09:00:00+00:00", "2026-12-01T12:00:00+00:00"].map((t) => age(t, now))).toEqual([
      "now",
      "5m",
      "3h",
      "2d",
    ]);
  });
});
