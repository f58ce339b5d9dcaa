import { describe, expect, it } from "vitest";
import { add, count, shown, totalsByCurrency } from "./money";

describe("amounts", () => {
  it("adds decimal text exactly, where floats would not", () => {
    expect(add("0.1", "0.2")).toBe("0.3");
    expect(add("100", "0.05")).toBe("100.05");
    expect(add("19999999999999999.99", "0.01")).toBe("20000000000000000.00");
    expect(add("5.5", "-10")).toBe("-4.5");
    expect(add("-0.25", "0.05")).toBe("-0.20");
  });

  it("counts text that is no amount as nothing rather than failing the column", () => {
    expect(add("12.50", "abc")).toBe("12.50");
  });

  it("never adds across currencies", () => {
    const items = [
      { a: "100.00", c: "EUR" },
      { a: "50", c: "USD" },
      { a: "0.50", c: "EUR" },
    ];
    expect(totalsByCurrency(items, (i) => i.a, (i) => i.c)).toEqual([
      ["EUR", "100.50"],
      ["USD", "50"],
    ]);
  });

  it("groups thousands for reading", () => {
    expect(shown("1234567.50", "EUR")).toBe("1 234 567.50 EUR");
    expect(shown("-1000", "USD")).toBe("-1 000 USD");
  });

  it("writes counts without the trailing zeros of their decimal text", () => {
    expect(["4.000", "2.500", "10", "100.0", 3].map(count)).toEqual(["4", "2.5", "10", "100", "3"]);
  });
});
