import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/schedule/Clock.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { harnessPerTest, SECOND, T0, until } from "./harness.js";

const harness = harnessPerTest();

/**
 * A TestClock whose every read, once `drift` is on, is a millisecond later than the one
 * before: work done one tick after another shows in the instants it reads.
 */
function driftingClock(): { readonly clock: Clock; readonly inner: TestClock; drift: boolean } {
  const inner = new TestClock(T0 + 500);
  let reads = 0;
  const state = {
    inner,
    drift: false,
    clock: {
      now: () => inner.now() + (state.drift ? ++reads : 0),
      setTimer: (at: number, callback: () => void) => inner.setTimer(at, callback),
    },
  };
  return state;
}

describe("ticks due at one wake", () => {
  it("are written ahead in one commit stamped with one instant, read after every tick was stepped", async () => {
    const time = driftingClock();
    const h = harness({ clock: time.clock, provenance: true });
    const dag = h.dag("work", () => null);
    const names = ["a", "b", "c", "d"];
    for (const name of names) h.poll(name, dag, "* * * * * *");
    const manager = h.manager();
    for (const name of names) await manager.activate(name);
    await manager.start();
    time.drift = true;
    await time.inner.advance(SECOND);
    await h.reportedAtLeast(names.length, "finished");
    const rows = (await Promise.all(names.map((name) => h.store.getEvents(name)))).flat();
    expect(rows.map((row) => row.scheduledAt?.getTime())).toEqual(names.map(() => T0 + SECOND));
    const firedAt = new Set(rows.map((row) => row.firedAt.getTime()));
    // One instant for the batch (per tick, each would read a later one).
    expect(firedAt.size).toBe(1);
    // The runs were told that same instant, and started after it.
    const fired = h.reported("fired");
    expect(fired).toHaveLength(names.length);
    for (const event of fired) {
      expect(event.at.getTime()).toBeGreaterThanOrEqual([...firedAt][0] as number);
    }
  });

  it("start every run of the batch before any run's first node", async () => {
    const h = harness({ provenance: true });
    const order: string[] = [];
    let finished = 0;
    const names = ["a", "b", "c", "d"];
    for (const name of names) {
      const dag = h.dag(`work_${name}`, () => {
        order.push(`node ${name}`);
        return null;
      });
      h.poll(name, dag, "* * * * * *");
    }
    const manager = h.manager({
      onEvent: (event) => {
        if (event.kind === "fired") order.push(`fired ${event.trigger}`);
        if (event.kind === "finished") finished += 1;
      },
    });
    for (const name of names) await manager.activate(name);
    await manager.start();
    await h.testClock.advance(SECOND);
    await until(() => finished === names.length, "every run finished");
    const firstNode = order.findIndex((entry) => entry.startsWith("node"));
    expect(order.slice(0, firstNode).sort()).toEqual(names.map((name) => `fired ${name}`));
  });
});
