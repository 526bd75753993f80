/**
 * Review: defects of shared mode (per-trigger leases), each shown by a failing test.
 * SQLite + TestClock, in process; a second TestClock that is not advanced = a paused
 * process (as in test/supervisor/sharedTriggers.test.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/schedule/TestClock.js";
import type { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { gate, Harness, rejection, SECOND, T0, turn, until } from "../supervisor/harness.js";

const LEASE = 3 * SECOND;

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const owned = (m: TriggerManager) => m.status().owned;

describe("review: shared triggers", () => {
  it("D1: a fire() whose write-ahead commit is refused (LeaseLost) leaves an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const h = new Harness();
      harnesses.push(h);
      h.poll(
        "t1",
        h.dag("t1", () => "ok"),
        "0 * * * *",
      );
      // b runs on a clock the test holds still: b is "paused" once it owns t1.
      const bClock = new TestClock(T0);
      const b = h.manager({ ownerId: "b", leases: "trigger", leaseMs: LEASE, clock: bClock });
      await b.activate("t1");
      await b.start();
      expect(owned(b)).toEqual(["t1"]);
      const a = h.manager({ ownerId: "a", leases: "trigger", leaseMs: LEASE });
      await a.start();
      // a's time goes past b's lease: a takes t1 over.
      for (let i = 0; i < 6 && owned(a).length === 0; i++) await h.testClock.advance(LEASE / 3);
      await until(() => owned(a).includes("t1"), "a owns t1");
      // b wakes and fires t1 by hand (an HTTP push handler, a CLI command): its commit is
      // fenced and refused. The caller gets a rejection; nothing else may reject unseen.
      const error = await rejection(b.fire("t1"));
      expect((error as { _tag?: string })._tag).toBe("LeaseLost");
      for (let i = 0; i < 5; i++) await turn();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
