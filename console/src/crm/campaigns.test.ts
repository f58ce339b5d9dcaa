import { describe, expect, it } from "vitest";
import { campaignBody, commandsFor, progressText } from "./campaigns";

describe("campaigns in the console", () => {
  it("sends only the filters given, and the vip choice as a yes or no", () => {
    expect(campaignBody({ subject: " News for {name} ", text: "Dear {first_name}", tag: "", vip: "any" })).toEqual({
      subject: "News for {name}",
      text: "Dear {first_name}",
    });
    expect(campaignBody({ subject: "S", text: "T", tag: " wholesale ", vip: "no" })).toEqual({
      subject: "S",
      text: "T",
      tag: "wholesale",
      vip: false,
    });
  });

  it("offers the commands the campaign's state takes, none once it ended", () => {
    expect(commandsFor("draft")).toEqual(["start", "cancel"]);
    expect(commandsFor("sending")).toEqual(["pause", "cancel"]);
    expect(commandsFor("paused")).toEqual(["resume", "cancel"]);
    expect(commandsFor("done")).toEqual([]);
    expect(commandsFor("cancelled")).toEqual([]);
  });

  it("says the progress in words, leaving out what is none", () => {
    const none = { queued: 0, sending: 0, sent: 0, failed: 0, uncertain: 0, skipped_unsubscribed: 0, cancelled: 0 };
    expect(progressText(none)).toBe("nothing queued");
    expect(progressText({ ...none, sent: 12, skipped_unsubscribed: 1, queued: 987 })).toBe(
      "12 sent, 1 skipped (unsubscribed), 987 queued",
    );
  });
});
