import { afterEach, describe, expect, it, vi } from "vitest";
import { Conflict, Forbidden, NotFound, crm } from "./api";

function answering(status: number, body: unknown) {
  const fetched = vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } }));
  vi.stubGlobal("fetch", fetched);
  return fetched;
}

afterEach(() => vi.unstubAllGlobals());

describe("the CRM's routes as the console calls them", () => {
  it("moves a deal at the version shown, with the session's token", async () => {
    const fetched = answering(200, { id: "d1", version: 8 });
    expect(await crm.move("t0k", "d1", "s2", 7)).toEqual({ id: "d1", version: 8 });
    expect(fetched).toHaveBeenCalledWith("/api/deals/d1/move", {
      method: "POST",
      body: JSON.stringify({ stage_id: "s2", expected_version: 7 }),
      headers: { Authorization: "Bearer t0k", "Content-Type": "application/json" },
    });
  });

  it("tells a deal changed meanwhile (409) with its version now", async () => {
    answering(409, { error: "the deal changed since version 7", current_version: 9 });
    const refused = await crm.move("t", "d1", "s2", 7).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused).toMatchObject({ message: "the deal changed since version 7", currentVersion: 9 });
  });

  it("tells a refusal of the role (403) and a record out of sight (404) apart from other failures", async () => {
    answering(403, { error: "your role may not view reports" });
    await expect(crm.report("t", "funnel", "")).rejects.toBeInstanceOf(Forbidden);
    answering(404, { error: "no deal among those you may see" });
    await expect(crm.deal("t", "d9")).rejects.toBeInstanceOf(NotFound);
    answering(500, "oops");
    const failed = await crm.deal("t", "d9").catch((e: unknown) => e);
    expect(failed).not.toBeInstanceOf(Forbidden);
    expect(failed).toMatchObject({ message: "500 " });
  });

  it("reads every page of a board's deals, following the cursor", async () => {
    const pages = [
      { deals: [{ id: "a" }], next_cursor: "c1" },
      { deals: [{ id: "b" }], next_cursor: null },
    ];
    const fetched = vi.fn(async () => new Response(JSON.stringify(pages.shift())));
    vi.stubGlobal("fetch", fetched);
    expect((await crm.deals("t", "p1")).map((d) => d.id)).toEqual(["a", "b"]);
    expect(fetched.mock.calls.map((call) => (call as unknown[])[0])).toEqual([
      "/api/deals?pipeline=p1&limit=200",
      "/api/deals?pipeline=p1&limit=200&cursor=c1",
    ]);
  });
});
