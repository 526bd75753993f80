/**
 * Owed ticks: the catch-up policy for ticks missed while down, the latest of late ticks,
 * and (catch-up "all") every tick owed again because its ledger write failed.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { planOwedTicks } from "../../src/supervisor/planOwedTicks.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { Harness, MINUTE, T0, until } from "./harness.js";

const all = { catchUp: "all", maxCatchUp: 100, catchUpWindow: undefined } as const;
const latest = { catchUp: "latest", maxCatchUp: 100, catchUpWindow: undefined } as const;
const fired = (entries: readonly { tick: number; fire: boolean }[]) =>
  entries.filter((entry) => entry.fire).map((entry) => entry.tick);

describe("planOwedTicks", () => {
  it.each([
    ["all: missed while down, each fires", all, [1, 2, 3], 2.5, Infinity, [1, 2, 3]],
    ["all: late ticks, the latest fires", all, [1, 2, 3], 0, Infinity, [3]],
    ["all: owed again after a failed write, each fires", all, [1, 2, 3], 0, 1, [1, 2, 3]],
    ["all: late before the failed write, owed from it", all, [1, 2, 3, 4], 0, 3, [3, 4]],
    ["latest: owed again after a failed write, the latest fires", latest, [1, 2, 3], 0, 1, [3]],
  ] as const)("%s", (_what, definition, ticks, since, owedAgainFrom, expected) => {
    expect(fired(planOwedTicks(definition, ticks, 10, since, owedAgainFrom))).toEqual(expected);
  });

  it("all: ticks owed again beyond maxCatchUp are recorded missed, with why", () => {
    const plan = planOwedTicks({ ...all, maxCatchUp: 2 }, [1, 2, 3, 4], 10, 0, 1);
    expect(fired(plan)).toEqual([3, 4]);
    expect(plan[0]?.reason).toBe("owed after a failed write, beyond maxCatchUp (2)");
  });
});

describe("ticks owed after a failed ledger write (catch-up all)", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("each owed tick fires once writes succeed, in order, one row each", async () => {
    h = new Harness();
    const harness = h;
    const calls: number[] = [];
    harness.poll(
      "every",
      harness.dag("work", () => calls.push(harness.clock.now())),
      "* * * * *",
      { catchUp: "all", maxCatchUp: 100 },
    );
    // A store of its own with a short busy timeout: the lock must fail the commits fast.
    const file = path.join(harness.dir, "triggers.db");
    const store = new TriggerStore(file, { busyTimeoutMs: 20 });
    try {
      // A lease far longer than the test: its renewals fail under the lock too.
      const manager = harness.manager({ store, leaseMs: 24 * 60 * MINUTE });
      await manager.activate("every");
      await manager.start();
      await harness.advanceAndFinish(MINUTE, 1);

      const locker = new Database(file);
      locker.exec("BEGIN IMMEDIATE");
      const locked = () =>
        harness.errors.filter((e) => (e as { _tag?: string })._tag === "DatabaseLocked").length;
      for (let i = 1; i <= 3; i++) {
        const before = locked();
        await harness.testClock.advance(MINUTE);
        await until(() => locked() > before, `DatabaseLocked at tick ${i + 1}`);
      }
      locker.exec("ROLLBACK");
      locker.close();

      // Ticks 2, 3 and 4 are owed; tick 5 comes due: all four fire, one after the other.
      await harness.advanceAndFinish(MINUTE, 5);
      const db = new Database(file, { readonly: true });
      const rows = db
        .prepare(
          "SELECT scheduled_at, status FROM trigger_events WHERE trigger_name = 'every' ORDER BY scheduled_at",
        )
        .all() as { scheduled_at: string; status: string }[];
      db.close();
      expect(rows.map((row) => [row.scheduled_at, row.status])).toEqual(
        [1, 2, 3, 4, 5].map((m) => [new Date(T0 + m * MINUTE).toISOString(), "completed"]),
      );
      expect(calls).toHaveLength(5);
      expect(harness.errors.every((e) => (e as { _tag?: string })._tag === "DatabaseLocked")).toBe(
        true,
      );
    } finally {
      await harness.close();
      h = undefined;
      store.close();
    }
  });
});
