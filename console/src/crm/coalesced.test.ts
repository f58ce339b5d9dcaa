import { describe, expect, it } from "vitest";
import { coalesced } from "./coalesced";

describe("reads asked for by live changes", () => {
  it("runs once more after a run however many times it was asked meanwhile", async () => {
    const finish: (() => void)[] = [];
    let runs = 0;
    const refresh = coalesced(
      () =>
        new Promise<void>((done) => {
          runs += 1;
          finish.push(done);
        }),
    );
    const first = refresh();
    void refresh();
    void refresh();
    void refresh();
    expect(runs).toBe(1);
    finish.shift()?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(runs).toBe(2);
    finish.shift()?.();
    await first;
    expect(runs).toBe(2);
    void refresh(); // nothing under way: runs at once
    expect(runs).toBe(3);
  });

  it("keeps working after a run that failed", async () => {
    let runs = 0;
    const refresh = coalesced(async () => {
      runs += 1;
      if (runs === 1) throw new Error("gateway away");
    });
    await expect(refresh()).rejects.toThrow("gateway away");
    await refresh();
    expect(runs).toBe(2);
  });
});
