import { describe, expect, it } from "vitest";
import type { Connection, SocketEvents } from "../socket";
import { ConsoleStore } from "../store";
import type { Frame } from "../types";

const quiet: Connection = { connect: () => undefined, send: () => true, stop: () => undefined };

describe("the socket's frames for the CRM's screens", () => {
  it("reach every screen listening, the console's own frames too, until it stops listening", () => {
    let events: SocketEvents | undefined;
    const store = new ConsoleStore("token", () => undefined, () => undefined, (given) => {
      events = given;
      return quiet;
    });
    const heard: string[] = [];
    const stop = store.watch((frame) => heard.push(frame.type));
    const deal = { type: "deal", deal: { id: "d1" } } as unknown as Frame;
    events?.frame(deal);
    events?.frame({ type: "conversation_removed", id: "c1" });
    stop();
    events?.frame(deal);
    expect(heard).toEqual(["deal", "conversation_removed"]);
  });
});
