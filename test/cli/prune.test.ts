import { describe, expect, it } from "vitest";
import { replayHistory } from "../../src/inspect/replayHistory.js";
import { SystemClock } from "../../src/schedule/Clock.js";
import { harnessPerTest, MINUTE } from "../supervisor/harness.js";
import { tickflow } from "./fixtures/tickflow.js";

const harness = harnessPerTest();

describe("tickflow prune", () => {
  it("counts with --dry-run, prunes with --older-than, and refuses a bad duration", {
    timeout: 120_000,
  }, async () => {
    // Ten minutes of history at T0 (January 2026): older than a day by the CLI's clock.
    const h = harness({ provenance: true });
    h.poll(
      "t",
      h.dag("quick", () => 1),
      "* * * * *",
    );
    const m = h.manager({ retention: false });
    await m.start();
    await m.activate("t");
    for (let i = 1; i <= 10; i++) await h.advanceAndFinish(MINUTE, i, "t");
    const stopped = m.stop({ graceMs: 0 });
    await h.testClock.advance(0);
    await stopped;

    const bad = await tickflow(["--data", h.dir, "prune", "--older-than", "soon"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--older-than "soon" is not a duration/);

    const dry = await tickflow([
      "--data",
      h.dir,
      "prune",
      "--older-than",
      "1d",
      "--dry-run",
      "--json",
    ]);
    expect(dry.stderr).toBe("");
    const counted = JSON.parse(dry.stdout) as { events: number; journal: number; runs: number };
    // The runs are timed by the runner's real clock (just now): none is a day old.
    expect(counted).toMatchObject({ dryRun: true, events: 9, runs: 0 });
    expect(await h.store.getEvents("t", { limit: 100 })).toHaveLength(10);

    const done = await tickflow(["--data", h.dir, "prune", "--older-than", "1d"]);
    expect(done.stderr).toBe("");
    expect(done.stdout).toMatch(
      new RegExp(`pruned 9 ledger rows, ${counted.journal} journal entries, 0 runs`),
    );
    expect(done.stdout).toMatch(/t: journal compacted into a checkpoint at seq \d+/);
    expect(await h.store.getEvents("t", { limit: 100 })).toHaveLength(1);
    expect((await replayHistory(h.store, "t")).matchesSnapshot).toBe(true);
    const replayed = await tickflow(["--data", h.dir, "replay-history", "t"]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(
      /journal pruned through seq \d+ .*replayed from its checkpoint/,
    );
    expect(replayed.stdout).toMatch(/matches/);
    const explained = await tickflow(["--data", h.dir, "explain", "t"]);
    expect(explained.stdout).toMatch(
      /pruned .*journal pruned by retention on .*checkpoint at seq \d+/,
    );
  });

  it("beside a running supervisor: refuses to prune by hand (it prunes itself) but counts", {
    timeout: 120_000,
  }, async () => {
    // The real clock: the supervisor's lease must be live by the CLI's clock too.
    const h = harness({ clock: new SystemClock({ unref: true }) });
    h.poll(
      "t",
      h.dag("quick", () => 1),
      "0 0 1 1 *",
    );
    const m = h.manager({ retention: false });
    await m.start();
    await m.activate("t");
    for (let i = 0; i < 3; i++) await m.fire("t");
    expect(m.status().role).toBe("leader");

    const refused = await tickflow(["--data", h.dir, "prune", "--older-than", "1d"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/A supervisor .* is running on .*nothing was changed/);
    const counted = await tickflow(["--data", h.dir, "prune", "--older-than", "1m", "--dry-run"]);
    expect(counted.stderr).toBe("");
    expect(counted.stdout).toMatch(/would prune 0 ledger rows, 0 journal entries, 0 runs/);
    expect(await h.store.getEvents("t", { limit: 100 })).toHaveLength(3);
  });
});
