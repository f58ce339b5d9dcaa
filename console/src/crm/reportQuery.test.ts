import { describe, expect, it } from "vitest";
import { reportQuery } from "./reportQuery";

describe("a report's query string", () => {
  it("sends only the filters set that the report takes", () => {
    const filters = { from: "2026-03-01", to: "", pipeline: "p1", min_amount: " 100 ", responsible: "me" };
    expect(reportQuery(filters, ["from", "to", "responsible", "department"])).toBe("from=2026-03-01&responsible=me");
    expect(reportQuery(filters, ["pipeline", "min_amount"])).toBe("pipeline=p1&min_amount=100");
  });

  it("escapes what the user typed", () => {
    expect(reportQuery({ department: "North & South" }, ["department"])).toBe("department=North+%26+South");
  });
});
