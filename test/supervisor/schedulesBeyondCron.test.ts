import { afterEach, describe, expect, it } from "vitest";
import type { TriggerSpec } from "../../src/namespace/TriggerDefinition.js";
import { InvalidSchedule } from "../../src/schedule/InvalidSchedule.js";
import { scheduleOf } from "../../src/schedule/scheduleOf.js";
import type { TriggerEventRecord } from "../../src/trigger/TriggerStore.js";
import { Harness, HOUR, MINUTE, T0, thrown } from "./harness.js";

// every, jitter, startAt and endAt through the supervisor, on a TestClock.

let harnesses: Harness[] = [];
const harness = () => {
  const h = new Harness();
  harnesses.push(h);
  return h;
};

afterEach(async () => {
  const open = harnesses;
  harnesses = [];
  for (const h of open) await h.close();
});

/** A trigger's ledger, oldest first, as [scheduledAt, status]. */
const ledger = async (h: Harness, name: string): Promise<[number | undefined, string][]> =>
  [...(await h.store.getEvents(name, { limit: 10_000 }))]
    .reverse()
    .map((e: TriggerEventRecord) => [e.scheduledAt?.getTime(), e.status]);

/** A poll trigger on an `every` schedule in UTC, around a one-node DAG. */
const interval = (h: Harness, name: string, extra: Partial<TriggerSpec>) =>
  h.ns.registerTrigger({
    name,
    dagNsref: h.dag(name, () => 1),
    triggerType: "poll",
    timezone: "UTC",
    ...extra,
  });

/** Stops a manager on the TestClock. */
const stop = async (h: Harness, manager: ReturnType<Harness["manager"]>) => {
  const stopped = manager.stop({ graceMs: 0 });
  await h.testClock.advance(0);
  await stopped;
};

describe("every: interval triggers", () => {
  it("keep their epoch-anchored phase across a restart (a new manager over the same files)", async () => {
    const h = harness();
    interval(h, "sync", { every: "7m", catchUp: "all" });
    const first = h.manager();
    await first.activate("sync");
    await first.start();
    await h.advanceAndFinish(15 * MINUTE, 2);
    await stop(h, first);
    // Down for 20 minutes (three ticks), then a new manager on the same database.
    await h.testClock.advance(20 * MINUTE);
    const second = h.manager();
    await second.start();
    await h.advanceAndFinish(10 * MINUTE, 6);
    const rows = await ledger(h, "sync");
    const ticks = rows.map(([at]) => at as number);
    // Every tick is a whole number of 7-minute periods after the Unix epoch, none repeated.
    for (const at of ticks) expect(at % (7 * MINUTE)).toBe(0);
    expect(new Set(ticks).size).toBe(ticks.length);
    const expected = scheduleOf({ every: "7m", timezone: "UTC" }, "sync")
      .nextN(T0, ticks.length)
      .map((d) => d.getTime());
    expect(ticks).toEqual(expected);
    expect(rows.every(([, status]) => status === "completed")).toBe(true);
    expect(h.errors).toEqual([]);
  });

  it("anchored at startAt: the first tick is startAt, then every period after it", async () => {
    const h = harness();
    interval(h, "sync", { every: "10m", startAt: new Date(T0 + 3 * MINUTE) });
    const manager = h.manager();
    await manager.activate("sync");
    await manager.start();
    await h.advanceAndFinish(25 * MINUTE, 3);
    expect(await ledger(h, "sync")).toEqual([
      [T0 + 3 * MINUTE, "completed"],
      [T0 + 13 * MINUTE, "completed"],
      [T0 + 23 * MINUTE, "completed"],
    ]);
  });
});

describe("jitter", () => {
  it("fires each tick at its own offset, within bounds, the same after a restart", async () => {
    const h = harness();
    const spec = { schedule: "*/10 * * * *", timezone: "UTC", jitter: "5m" } as const;
    h.poll(
      "report",
      h.dag("report", () => 1),
      spec.schedule,
      { jitter: spec.jitter },
    );
    const predicted = scheduleOf(spec, "report")
      .nextN(T0, 6)
      .map((d) => d.getTime());
    const first = h.manager();
    await first.activate("report");
    await first.start();
    await h.advanceAndFinish(30 * MINUTE, 3);
    await stop(h, first);
    const second = h.manager();
    await second.start();
    await h.advanceAndFinish(30 * MINUTE, 6);
    const ticks = (await ledger(h, "report")).map(([at]) => at as number);
    expect(ticks).toEqual(predicted);
    for (const at of ticks) {
      const offset = at % (10 * MINUTE);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(5 * MINUTE);
    }
    // The runs started at the jittered instants, not at the round ones.
    const fired = h.reported("fired", "report");
    expect(fired.map((e) => e.scheduledAt?.getTime())).toEqual(predicted);
    expect(fired.map((e) => e.at.getTime())).toEqual(predicted);
    expect(h.errors).toEqual([]);
  });
});

describe("startAt and endAt", () => {
  it("fire no tick outside [startAt, endAt), and leave no next fire after the end", async () => {
    const h = harness();
    h.poll(
      "window",
      h.dag("window", () => 1),
      "* * * * *",
      {
        startAt: T0 + 5 * MINUTE,
        endAt: new Date(T0 + 8 * MINUTE).toISOString(),
      },
    );
    const manager = h.manager();
    await manager.activate("window");
    await manager.start();
    await h.advanceAndFinish(8 * MINUTE, 3);
    await h.testClock.advance(HOUR);
    expect(await ledger(h, "window")).toEqual([
      [T0 + 5 * MINUTE, "completed"],
      [T0 + 6 * MINUTE, "completed"],
      [T0 + 7 * MINUTE, "completed"],
    ]);
    expect(manager.nextFireAt("window")).toBeUndefined();
  });
});

describe("bad schedule options are refused at registerTrigger", () => {
  const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
    [{ every: "15x" }, "every"],
    [{ every: "-15m" }, "every"],
    [{ every: -5 }, "every"],
    [{ every: "15m", schedule: "0 * * * *" }, "every"],
    [{ every: "15m", jitter: "15m" }, "jitter"],
    [{ every: "15m", jitter: "20m" }, "jitter"],
    [{ every: "15m", jitter: "soon" }, "jitter"],
    [{ schedule: "* * * * *", jitter: "1m" }, "jitter"],
    [{ every: "1m", startAt: "not a date" }, "startAt"],
    [{ every: "1m", startAt: T0, endAt: T0 - MINUTE }, "endAt"],
  ];
  it.each(cases)("%j → InvalidSchedule (%s)", (extra, field) => {
    const h = harness();
    const dag = h.dag("d", () => 1);
    const error = thrown(() =>
      h.ns.registerTrigger({
        name: "t",
        dagNsref: dag,
        triggerType: "poll",
        timezone: "UTC",
        ...extra,
      }),
    ) as InvalidSchedule;
    expect(error).toBeInstanceOf(InvalidSchedule);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`(${field})`);
    expect(() => h.ns.getTrigger("t")).toThrow();
  });
});
