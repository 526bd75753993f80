import { afterEach, expect, it } from "vitest";
import { SystemClock } from "../../src/schedule/Clock.js";
import { Harness, SECOND } from "./harness.js";

// The one test on real time: correctness of real timers, not speed. Bounds are loose.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("a 6-field every-second trigger fires once per second, each fire inside its own second", async () => {
  h = new Harness({ clock: new SystemClock(), provenance: true });
  const ranAt: number[] = [];
  const dag = h.dag("tick", () => {
    ranAt.push(Date.now());
    return null;
  });
  h.poll("every_second", dag, "* * * * * *");
  const manager = h.manager();
  await manager.activate("every_second");
  const startedAt = Date.now();
  await manager.start();
  await new Promise((resolve) => setTimeout(resolve, 5_500));
  await manager.stop();
  const stoppedAt = Date.now();

  const rows = [...(await h.store.getEvents("every_second"))].reverse();
  // ~5 ticks fall in 5.5 s; allow a slow machine to lose the edges, never to double.
  expect(rows.length).toBeGreaterThanOrEqual(4);
  expect(rows.length).toBeLessThanOrEqual(6);
  const scheduled = rows.map((e) => e.scheduledAt?.getTime() as number);
  for (const [i, at] of scheduled.entries()) {
    expect(at % SECOND).toBe(0);
    if (i > 0) expect(at - (scheduled[i - 1] as number)).toBe(SECOND);
  }
  for (const row of rows) {
    expect(row.status).toBe("completed");
    const lag = row.firedAt.getTime() - (row.scheduledAt?.getTime() as number);
    // Started (write-ahead committed) inside its own scheduled second, never early.
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(SECOND);
  }
  expect(scheduled[0]).toBeGreaterThan(startedAt);
  expect(scheduled.at(-1)).toBeLessThanOrEqual(stoppedAt);
  // Each run also started inside its second.
  expect(ranAt).toHaveLength(rows.length);
  for (const [i, at] of ranAt.entries()) {
    const tick = scheduled[i] as number;
    expect(at).toBeGreaterThanOrEqual(tick);
    expect(at - tick).toBeLessThan(SECOND);
  }
  expect(h.errors).toEqual([]);
}, 20_000);
