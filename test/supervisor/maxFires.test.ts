/**
 * Issue 16, item 7: `maxFires: n`. A trigger fires at most n scheduled ticks in total
 * (tick and catchUp; manual fires and pushes do not count), the count is added in the
 * fire's own write-ahead commit (trigger_activations.fires_used), and when it is spent
 * the schedule ends as past an `endAt`: no next tick, the trigger stays active.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidTriggerOption, ScheduleNotAllowed } from "../../src/namespace/errors.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import { type Harness, harnessPerTest, MINUTE, T0, thrown, turn, until } from "./harness.js";

const harness = harnessPerTest();

/** Scheduled fires on record: ledger rows of kind tick/catchUp that started or were kept. */
async function scheduledFiresOnRecord(store: TriggerStore, name: string): Promise<number> {
  const events = await store.getEvents(name, { limit: 1000 });
  return events.filter(
    (e) =>
      (e.kind === "tick" || e.kind === "catchUp") &&
      !["skipped_overlap", "missed", "poll_empty", "poll_failed"].includes(e.status),
  ).length;
}

/** An every-minute trigger with `maxFires`, registered, activated and started. */
async function limited(h: Harness, maxFires: number, extra: Record<string, unknown> = {}) {
  h.poll(
    "limited",
    h.dag("limited", () => 1),
    "* * * * *",
    { maxFires, ...extra },
  );
  const manager = h.manager();
  await manager.activate("limited");
  await manager.start();
  return manager;
}

/** The harness's store and TestClock. */
const files = (h: Harness) => ({ store: h.store, clock: h.testClock });

/**
 * Advances `clock` minute by minute; after each minute, waits until the tick is on
 * record (while fires are left: `rows` at most) and no run is in flight. Runs end at once.
 */
async function minutes(
  h: { readonly store: TriggerStore; readonly clock: TestClock },
  n: number,
  rows: number,
): Promise<void> {
  const before = (await h.store.getEvents("limited", { limit: 1000 })).length;
  for (let i = 1; i <= n; i++) {
    await h.clock.advance(MINUTE);
    const want = Math.min(before + i, rows);
    await until(async () => {
      const events = await h.store.getEvents("limited", { limit: 1000 });
      return events.length >= want && events.every((e) => e.status !== "running");
    }, `${want} ledger rows, no run in flight`);
  }
}

describe("maxFires", () => {
  it("fires n scheduled ticks, then the schedule ends: no next run, still active, counted on disk", async () => {
    const h = harness();
    const manager = await limited(h, 3);
    await minutes(files(h), 6, 3);
    expect(h.count("fired", "limited")).toBe(3);
    expect(await scheduledFiresOnRecord(h.store, "limited")).toBe(3);
    const activation = await h.store.getActivation("limited");
    expect(activation).toMatchObject({ status: "active", firesUsed: 3, nextRunAt: undefined });
    expect(activation?.config.maxFires).toBe(3);
    const [seen] = await manager.inspect();
    expect(seen).toMatchObject({
      fireLimit: { maxFires: 3, fired: 3, remaining: 0 },
      nextFireAt: undefined,
    });
    expect(h.errors).toEqual([]);
  });

  it("a manual fire neither counts nor is refused once the limit is spent", async () => {
    const h = harness();
    const manager = await limited(h, 2);
    const manual = await manager.fire("limited", {});
    expect(manual.status).toBe("completed");
    await minutes(files(h), 4, 3);
    expect(h.count("fired", "limited")).toBe(3);
    expect((await h.store.getActivation("limited"))?.firesUsed).toBe(2);
    expect((await manager.fire("limited", {})).status).toBe("completed");
    expect((await h.store.getActivation("limited"))?.firesUsed).toBe(2);
    const kinds = (await h.store.getEvents("limited")).map((e) => e.kind);
    expect(kinds.sort()).toEqual(["manual", "manual", "tick", "tick"]);
  });

  it("a tick the overlap policy keeps (buffered) counts when kept; a skipped one does not", async () => {
    const h = harness();
    let release: (() => void) | undefined;
    h.poll(
      "limited",
      h.dag("limited", async () => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }),
      "* * * * *",
      { maxFires: 2, overlap: "bufferOne" },
    );
    const manager = h.manager();
    await manager.activate("limited");
    await manager.start();
    await h.testClock.advance(MINUTE); // fires (1)
    await h.reportedAtLeast(1, "fired");
    await h.testClock.advance(MINUTE); // kept (2)
    await h.reportedAtLeast(1, "buffered");
    await h.testClock.advance(MINUTE); // the limit is spent: no tick at all
    await turn();
    expect((await h.store.getActivation("limited"))?.firesUsed).toBe(2);
    const statuses = (await h.store.getEvents("limited")).map((e) => e.status);
    expect(statuses.sort()).toEqual(["buffered", "running"]);
    const first = release;
    first?.();
    await until(() => release !== first, "the kept tick's run starts");
    release?.();
    await until(
      async () => (await h.store.getEvents("limited")).every((e) => e.status === "completed"),
      "both runs end",
    );
    await h.testClock.advance(5 * MINUTE);
    expect(await scheduledFiresOnRecord(h.store, "limited")).toBe(2);
    expect(h.count("fired", "limited")).toBe(2);
  });

  it("catch-up after a restart counts too, and the count survives the restart (real files)", async () => {
    const h = harness();
    const first = await limited(h, 4, { catchUp: "all" });
    await minutes(files(h), 2, 2);
    expect((await h.store.getActivation("limited"))?.firesUsed).toBe(2);
    await first.stop();
    await h.testClock.advance(10 * MINUTE);
    const store = new TriggerStore(path.join(h.dir, "triggers.db"));
    const fired: string[] = [];
    const second = new TriggerManager({
      namespace: h.ns,
      store,
      clock: h.clock,
      onEvent: (event) => {
        if (event.kind === "fired") fired.push(event.trigger);
      },
      onError: (error) => h.errors.push(error),
    });
    try {
      await second.start();
      // The owed ticks are planned at the first wake.
      await h.testClock.advance(0);
      await until(
        async () => (await store.getActivation("limited"))?.firesUsed === 4,
        "2 catch-up fires",
      );
      await until(
        async () => (await store.getEvents("limited")).every((e) => e.status !== "running"),
        "runs end",
      );
      await h.testClock.advance(5 * MINUTE);
      await turn();
      expect(fired).toHaveLength(2);
      expect(await scheduledFiresOnRecord(store, "limited")).toBe(4);
      const kinds = (await store.getEvents("limited")).map((e) => e.kind);
      expect(kinds.filter((k) => k === "catchUp")).toHaveLength(2);
      expect((await store.getActivation("limited"))?.nextRunAt).toBeUndefined();
    } finally {
      await second.stop();
      store.close();
    }
  });

  it("raising the limit in code resumes from now, without firing the ticks it did not have", async () => {
    const h = harness();
    const first = await limited(h, 1);
    await minutes(files(h), 3, 1);
    expect(h.count("fired", "limited")).toBe(1);
    await first.stop();
    const again = new (await import("./harness.js")).Harness();
    try {
      // The same files, the limit raised to 3 in code.
      again.poll(
        "limited",
        again.dag("limited", () => 1),
        "* * * * *",
        { maxFires: 3 },
      );
      const store = new TriggerStore(path.join(h.dir, "triggers.db"));
      const fired: number[] = [];
      const second = new TriggerManager({
        namespace: again.ns,
        store,
        clock: h.clock,
        onEvent: (event) => {
          if (event.kind === "fired") fired.push(h.clock.now());
        },
        onError: (error) => h.errors.push(error),
      });
      await second.start();
      await turn();
      expect(fired).toEqual([]);
      await minutes({ store, clock: h.testClock }, 4, 3);
      expect(fired).toHaveLength(2);
      expect(await store.getActivation("limited")).toMatchObject({
        firesUsed: 3,
        config: expect.objectContaining({ maxFires: 3 }),
      });
      await second.stop();
      store.close();
    } finally {
      await again.close();
    }
    expect(h.errors).toEqual([]);
  });

  it.each([0, -1, 1.5, "3", Number.POSITIVE_INFINITY])(
    "refuses maxFires: %j with InvalidTriggerOption",
    (value) => {
      const h = harness();
      const error = thrown(() => h.poll("bad", "p:x", "* * * * *", { maxFires: value as number }));
      expect(error).toBeInstanceOf(InvalidTriggerOption);
      expect(error).toMatchObject({
        field: "maxFires",
        value,
        accepted: "an integer of at least 1",
      });
    },
  );

  it("refuses maxFires on a push trigger (it has no scheduled fires to count)", () => {
    const h = harness();
    const error = thrown(() =>
      h.ns.registerTrigger({ name: "p", dagNsref: "p:x", triggerType: "push", maxFires: 2 }),
    );
    expect(error).toBeInstanceOf(ScheduleNotAllowed);
    expect(error).toMatchObject({ schedule: "maxFires: 2" });
  });
});

describePg("maxFires on PostgreSQL (a fresh schema)", () => {
  it("fires n scheduled ticks, counted in the fire's commit, then ends", async () => {
    const h = harness();
    const scratch = await freshSchema();
    const store = new TriggerStore(scratch.url, { schema: scratch.schema });
    const clock = new TestClock(T0);
    h.poll(
      "limited",
      h.dag("limited", () => 1),
      "* * * * *",
      { maxFires: 2 },
    );
    let fired = 0;
    const manager = new TriggerManager({
      namespace: h.ns,
      store,
      clock,
      onError: (error) => h.errors.push(error),
      onEvent: (event) => {
        if (event.kind === "fired") fired++;
      },
    });
    try {
      await manager.activate("limited");
      await manager.start();
      await minutes({ store, clock }, 4, 2);
      expect(fired).toBe(2);
      expect(await scheduledFiresOnRecord(store, "limited")).toBe(2);
      expect(await store.getActivation("limited")).toMatchObject({
        firesUsed: 2,
        nextRunAt: undefined,
        status: "active",
      });
      expect(h.errors).toEqual([]);
    } finally {
      await manager.stop();
      await store.close();
      await scratch.drop();
    }
  });
});
