import { describe, expect, it } from "vitest";
import { dueToday, endOfDay } from "./tasks";
import type { Activity } from "./types";

function task(id: string, due: Date | null, done = false): Activity {
  return {
    id,
    kind: "task",
    title: id,
    description: null,
    subject_kind: null,
    subject_id: null,
    responsible_id: "m1",
    due_at: due ? due.toISOString() : null,
    done,
    done_at: null,
    result: null,
    version: 1,
  };
}

describe("tasks of the day", () => {
  const now = new Date(2026, 2, 10, 14, 0); // 14:00 local time
  const at = (day: number, hour: number, minute = 0) => new Date(2026, 2, day, hour, minute);

  it("splits open tasks into overdue and due before midnight, each the soonest first", () => {
    const day = dueToday(
      [
        task("later today", at(10, 18)),
        task("yesterday", at(9, 9)),
        task("this morning", at(10, 8)),
        task("tomorrow", at(11, 0, 1)),
        task("just before midnight", at(10, 23, 59)),
        task("in a minute", at(10, 14, 1)),
      ],
      now,
    );
    expect(day.overdue.map((a) => a.id)).toEqual(["yesterday", "this morning"]);
    expect(day.today.map((a) => a.id)).toEqual(["in a minute", "later today", "just before midnight"]);
  });

  it("leaves out what is done or has no due time", () => {
    const day = dueToday([task("done", at(10, 8), true), task("some day", null)], now);
    expect(day).toEqual({ overdue: [], today: [] });
  });

  it("ends the day at the next local midnight", () => {
    expect(endOfDay(now)).toEqual(at(11, 0));
  });
});
