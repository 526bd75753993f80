/**
 * Issue 16, item 6: pause with a note. `deactivate(name, { note, by })` and
 * `activate(name, { note, by })` keep why, who and when with the status change (the
 * activation row for the present, the journal for the history); `inspect()` and
 * `explain` show it; a command queued by the CLI carries it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { explain } from "../../src/inspect/explain.js";
import { Harness, MINUTE, SECOND, T0, until } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function running() {
  h = new Harness();
  h.poll(
    "hourly",
    h.dag("hourly", () => 1),
    "0 * * * *",
  );
  const manager = h.manager();
  await manager.activate("hourly");
  await manager.start();
  return manager;
}

describe("a status change with a note", () => {
  it("deactivate({ note, by }) stores note, by and the clock's time; inspect() shows them", async () => {
    const manager = await running();
    await h.testClock.advance(7 * MINUTE);
    await manager.deactivate("hourly", { note: "vendor API down, INC-42", by: "alice" });
    const note = { note: "vendor API down, INC-42", by: "alice", at: new Date(T0 + 7 * MINUTE) };
    expect((await h.store.getActivation("hourly"))?.statusNote).toEqual(note);
    const [seen] = await manager.inspect();
    expect(seen).toMatchObject({ name: "hourly", status: "disabled", statusNote: note });
  });

  it("activate({ note }) replaces it; `by` is optional", async () => {
    const manager = await running();
    await manager.deactivate("hourly", { note: "paused", by: "alice" });
    await h.testClock.advance(MINUTE);
    await manager.activate("hourly", { note: "vendor is back" });
    expect((await h.store.getActivation("hourly"))?.statusNote).toEqual({
      note: "vendor is back",
      by: undefined,
      at: new Date(T0 + MINUTE),
    });
  });

  it("an activate of an active trigger without a note (a service booting) keeps the note; a change without one clears it", async () => {
    const manager = await running();
    await manager.activate("hourly", { note: "resumed after INC-42", by: "bob" });
    await manager.activate("hourly");
    expect((await h.store.getActivation("hourly"))?.statusNote?.note).toBe("resumed after INC-42");
    await h.testClock.advance(MINUTE);
    await manager.deactivate("hourly");
    // The old note no longer explains the status: the change is recorded with none.
    expect((await h.store.getActivation("hourly"))?.statusNote).toEqual({
      note: undefined,
      by: undefined,
      at: new Date(T0 + MINUTE),
    });
  });

  it("the first activation is a status change too: its time is recorded, with no note", async () => {
    await running();
    expect((await h.store.getActivation("hourly"))?.statusNote).toEqual({
      note: undefined,
      by: undefined,
      at: new Date(T0),
    });
  });

  it("explain shows each (de)activation with its own note, from the journal", async () => {
    const manager = await running();
    await manager.deactivate("hourly", { note: "vendor API down", by: "alice" });
    await h.testClock.advance(MINUTE);
    await manager.activate("hourly", { note: "vendor back", by: "bob" });
    const decisions = (await explain(h.store, "hourly")).filter(
      (d) => d.kind === "activated" || d.kind === "deactivated",
    );
    expect(decisions.map((d) => [d.kind, d.note, d.by])).toEqual([
      ["activated", undefined, undefined],
      ["deactivated", "vendor API down", "alice"],
      ["activated", "vendor back", "bob"],
    ]);
    expect(decisions[1]?.reason).toContain('note "vendor API down" (by alice)');
  });

  it("a queued deactivate command (the CLI's, while a supervisor runs) carries its note", async () => {
    await running();
    const seq = await h.store.requestCommand(
      "hourly",
      "deactivate",
      { note: "maintenance window", by: "ops" },
      h.clock.now(),
    );
    await h.testClock.advance(SECOND);
    await until(async () => (await h.store.getCommand(seq))?.state === "done", "command done");
    const activation = await h.store.getActivation("hourly");
    expect(activation?.status).toBe("disabled");
    expect(activation?.statusNote).toMatchObject({ note: "maintenance window", by: "ops" });
  });
});
