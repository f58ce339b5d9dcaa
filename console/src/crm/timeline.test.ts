import { describe, expect, it } from "vitest";
import { happened, said } from "./timeline";

const entry = (summary: Record<string, unknown>) => ({ notification_id: 1, at: "2026-03-01T10:00:00+00:00", kind: "Deal.StageChanged", summary });

describe("a timeline entry in words", () => {
  it("names what happened as people say it", () => {
    expect(happened("Deal.StageChanged")).toBe("Deal stage changed");
    expect(happened("Activity.Scheduled")).toBe("Activity scheduled");
    expect(happened("lead_converted")).toBe("Lead converted");
  });

  it("says the stage reached by name and leaves empty parts out", () => {
    expect(said(entry({ title: "Tyres", stage: { id: "s", name: "Proposal" }, reason: "", amount: "100.00" }))).toBe(
      "Tyres · → Proposal · 100.00",
    );
  });

  it("shows markup sent by a customer as the text it is", () => {
    expect(said(entry({ text: "<img src=x onerror=alert(1)>" }))).toBe("<img src=x onerror=alert(1)>");
  });
});
