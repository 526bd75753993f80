import { describe, expect, it } from "vitest";
import { SystemClock } from "../../src/schedule/Clock.js";
import { harnessPerTest, MINUTE } from "../supervisor/harness.js";
import { tickflow } from "./fixtures/tickflow.js";

const harness = harnessPerTest();

describe("tickflow cursor", () => {
  it("reads the committed cursor, sets it (journaled), clears it, and refuses bad JSON", {
    timeout: 120_000,
  }, async () => {
    const h = harness();
    h.poll(
      "t",
      h.dag("quick", () => 1),
      "* * * * *",
      { pollFn: (ctx) => ({ payload: {}, cursor: ((ctx.cursor as number) ?? 0) + 1 }) },
    );
    const m = h.manager({ retention: false });
    await m.start();
    await m.activate("t");
    for (let i = 1; i <= 2; i++) await h.advanceAndFinish(MINUTE, i, "t");
    const stopped = m.stop({ graceMs: 0 });
    await h.testClock.advance(0);
    await stopped;

    const read = await tickflow(["--data", h.dir, "cursor", "t"]);
    expect(read.stderr).toBe("");
    expect(read.stdout.trim()).toBe("2");

    const set = await tickflow([
      "--data",
      h.dir,
      "cursor",
      "t",
      "--set",
      '{"since": 0}',
      "--by",
      "alice",
      "--json",
    ]);
    expect(set.stderr).toBe("");
    expect(JSON.parse(set.stdout)).toEqual({
      trigger: "t",
      cursor: { since: 0 },
      set: true,
      changed: true,
    });
    expect((await h.store.getActivation("t"))?.cursor).toEqual({ since: 0 });
    expect((await h.store.getJournal("t")).at(-1)?.event).toEqual({
      type: "CURSOR_SET",
      cursor: { since: 0 },
      by: "alice",
    });
    const status = await tickflow(["--data", h.dir, "status"]);
    expect(status.stdout).toMatch(/cursor \{"since":0\}/);
    const explained = await tickflow(["--data", h.dir, "explain", "t"]);
    expect(explained.stdout).toMatch(/cursor \{"since":0\}/);

    const bad = await tickflow(["--data", h.dir, "cursor", "t", "--set", "{since: 0}"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--set "\{since: 0\}" is not JSON/);
    expect((await h.store.getActivation("t"))?.cursor).toEqual({ since: 0 });

    const unknown = await tickflow(["--data", h.dir, "cursor", "nope"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/nope/);

    const cleared = await tickflow(["--data", h.dir, "cursor", "t", "--clear"]);
    expect(cleared.stdout).toMatch(/cursor of t set to \(none\)/);
    expect((await h.store.getActivation("t"))?.cursor).toBeUndefined();
  });

  it("refuses a reset beside a running supervisor (it keeps the cursor in memory), reads it", {
    timeout: 120_000,
  }, async () => {
    const h = harness({ clock: new SystemClock({ unref: true }) });
    h.poll(
      "t",
      h.dag("idle", () => 1),
      "0 0 1 1 *",
      { pollFn: () => null },
    );
    const m = h.manager();
    await m.activate("t");
    await m.start();
    await m.setCursor("t", 7);
    const refused = await tickflow(["--data", h.dir, "cursor", "t", "--set", "1"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/A supervisor .* is running on .*nothing was changed/);
    const read = await tickflow(["--data", h.dir, "cursor", "t", "--json"]);
    expect(JSON.parse(read.stdout)).toMatchObject({ trigger: "t", cursor: 7, set: true });
  });
});
