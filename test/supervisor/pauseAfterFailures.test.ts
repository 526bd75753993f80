/**
 * Issue 17, item 3: pause on repeated failure. `pauseAfterFailures: n` disables a trigger
 * after n consecutive failed runs, with a note naming the last run and its error
 * (`by: "tickflow"`), reported to `onEvent` as `paused`; `activate` resumes it. The count
 * is read back from the ledger, so it survives a restart.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { explain } from "../../src/inspect/explain.js";
import { InvalidTriggerOption } from "../../src/namespace/errors.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import {
  gate,
  type Harness,
  harnessPerTest,
  MINUTE,
  rejection,
  T0,
  thrown,
  until,
} from "./harness.js";

const harness = harnessPerTest();

/** An every-minute trigger whose node fails while `failing.now` is true. */
function failingTrigger(h: Harness, n = 3) {
  const failing = { now: true };
  h.poll(
    "flaky",
    h.dag("flaky", () => {
      if (failing.now) throw new Error("HTTP 503 from vendor");
      return 1;
    }),
    "* * * * *",
    { pauseAfterFailures: n },
  );
  return failing;
}

/** The trigger registered, activated and supervised by a new manager of `h`. */
async function supervised(h: Harness, n: number) {
  const failing = failingTrigger(h, n);
  const manager = h.manager();
  await manager.activate("flaky");
  await manager.start();
  return { failing, manager };
}

/** The stored status of a trigger. */
const statusOf = async (h: Harness, name = "flaky") => (await h.store.getActivation(name))?.status;

/** Advances one minute per run and waits for `runs` more ends in all. */
async function minutes(h: Harness, runs: number): Promise<void> {
  for (let i = 0; i < runs; i++) {
    await h.advanceAndFinish(MINUTE, h.count("finished") + 1);
  }
}

describe("pauseAfterFailures", () => {
  it("n failed runs in a row disable the trigger with a note naming the last run and its error; `paused` is reported once", async () => {
    const h = harness();
    const { manager } = await supervised(h, 3);
    await minutes(h, 2);
    expect(await statusOf(h)).toBe("active");
    await minutes(h, 1);
    const lastRun = h.reported("finished").at(-1)?.runId;
    const activation = await h.store.getActivation("flaky");
    expect(activation?.status).toBe("disabled");
    expect(activation?.statusNote?.by).toBe("tickflow");
    expect(activation?.statusNote?.note).toBe(
      `paused after 3 consecutive failed runs; last: run ${lastRun} failed: Node "fn" failed on attempt 1: HTTP 503 from vendor`,
    );
    expect(h.reported("paused")).toEqual([
      expect.objectContaining({
        trigger: "flaky",
        kind: "paused",
        runId: lastRun,
        error: 'Node "fn" failed on attempt 1: HTTP 503 from vendor',
      }),
    ]);
    const [seen] = await manager.inspect();
    expect(seen).toMatchObject({ status: "disabled", statusNote: { by: "tickflow" } });
    const deactivated = (await explain(h.store, "flaky")).filter((d) => d.kind === "deactivated");
    expect(deactivated.map((d) => [d.note, d.by])).toEqual([
      [activation?.statusNote?.note, "tickflow"],
    ]);
    // Disabled: the clock moving on fires nothing more, and `paused` is not reported again.
    await h.testClock.advance(5 * MINUTE);
    expect(h.count("fired")).toBe(3);
    expect(h.count("paused")).toBe(1);
  });

  it("a completed run in between resets the count", async () => {
    const h = harness();
    const { failing } = await supervised(h, 2);
    await minutes(h, 1);
    failing.now = false;
    await minutes(h, 1);
    failing.now = true;
    await minutes(h, 1);
    expect(await statusOf(h)).toBe("active");
    await minutes(h, 1);
    expect(await statusOf(h)).toBe("disabled");
    expect(h.count("paused")).toBe(1);
  });

  it("activate resumes it and the count starts again from zero", async () => {
    const h = harness();
    const { manager } = await supervised(h, 2);
    await minutes(h, 2);
    expect(await statusOf(h)).toBe("disabled");
    await h.testClock.advance(MINUTE / 2);
    await manager.activate("flaky", { note: "vendor fixed", by: "alice" });
    // One failure after the resume is not two in a row: the ones before it do not count.
    await minutes(h, 1);
    expect(await statusOf(h)).toBe("active");
    await minutes(h, 1);
    expect(await statusOf(h)).toBe("disabled");
    expect(h.count("paused")).toBe(2);
  });

  it("the count survives a restart of the manager over the same files", async () => {
    const h = harness();
    const { manager: first } = await supervised(h, 3);
    await minutes(h, 2);
    await first.stop();
    const store = new TriggerStore(path.join(h.dir, "triggers.db"));
    const second = new TriggerManager({
      namespace: h.ns,
      store,
      clock: h.clock,
      onEvent: (event) => h.events.push(event),
      onError: (error) => h.errors.push(error),
    });
    try {
      await second.activate("flaky");
      await second.start();
      const finished = h.reported("finished").length;
      await h.testClock.advance(MINUTE);
      await until(() => h.reported("finished").length > finished, "the third run ends");
      expect((await store.getActivation("flaky"))?.status).toBe("disabled");
      expect(h.reported("paused")).toHaveLength(1);
    } finally {
      await second.stop();
      store.close();
    }
  });

  it("a fire kept pending when the trigger pauses is dropped, as by a deactivate", async () => {
    const h = harness();
    const slow = gate();
    h.ns.registerTrigger({
      name: "orders",
      dagNsref: h.dag("orders", async () => {
        await slow.promise;
        throw new Error("database locked");
      }),
      triggerType: "push",
      overlap: "bufferOne",
      pauseAfterFailures: 1,
    });
    const manager = h.manager();
    await manager.activate("orders");
    await manager.start();
    const first = manager.fire("orders", { n: 1 });
    await h.reportedAtLeast(1, "fired");
    const pending = rejection(manager.fire("orders", { n: 2 }));
    await h.reportedAtLeast(1, "buffered");
    slow.open();
    expect((await first).status).toBe("failed");
    expect(await pending).toMatchObject({ _tag: "TriggerNotActive" });
    expect((await h.store.getEvents("orders")).map((e) => e.status)).toEqual([
      "cancelled",
      "failed",
    ]);
    expect(h.count("fired")).toBe(1);
    expect(h.count("paused")).toBe(1);
  });

  it("a cancelled run neither counts nor resets: failed, cancelled, failed is two in a row", async () => {
    const h = harness();
    h.ns.registerTrigger({
      name: "orders",
      dagNsref: h.dag("orders", async (input: { block?: boolean }, ctx) => {
        if (input.block) {
          await new Promise<void>((resolve) =>
            ctx.signal.addEventListener("abort", () => resolve()),
          );
        }
        throw new Error("rejected");
      }),
      triggerType: "push",
      overlap: "cancelOther",
      pauseAfterFailures: 2,
    });
    const manager = h.manager();
    await manager.activate("orders");
    await manager.start();
    expect((await manager.fire("orders", {})).status).toBe("failed");
    const blocked = manager.fire("orders", { block: true });
    await h.reportedAtLeast(2, "fired");
    const last = manager.fire("orders", {});
    expect((await blocked).status).toBe("interrupted");
    expect((await last).status).toBe("failed");
    expect((await h.store.getEvents("orders")).map((e) => e.status)).toEqual([
      "failed",
      "cancelled",
      "failed",
    ]);
    expect(await statusOf(h, "orders")).toBe("disabled");
    expect(h.count("paused")).toBe(1);
  });

  it.each([0, 1.5, "3", -1])(
    "refuses pauseAfterFailures: %j with InvalidTriggerOption",
    (value) => {
      const h = harness();
      const error = thrown(() =>
        h.poll("bad", "p:x", "* * * * *", { pauseAfterFailures: value as number }),
      );
      expect(error).toBeInstanceOf(InvalidTriggerOption);
      expect(error).toMatchObject({
        field: "pauseAfterFailures",
        value,
        accepted: "an integer of at least 1",
      });
    },
  );
});

describePg("pauseAfterFailures on PostgreSQL (a fresh schema)", () => {
  it("two failed pushes pause the trigger with its note", async () => {
    const h = harness();
    const scratch = await freshSchema();
    const store = new TriggerStore(scratch.url, { schema: scratch.schema });
    const clock = new TestClock(T0);
    h.ns.registerTrigger({
      name: "hook",
      dagNsref: h.dag("hook", () => {
        throw new Error("bad gateway");
      }),
      triggerType: "push",
      pauseAfterFailures: 2,
    });
    const paused: string[] = [];
    const manager = new TriggerManager({
      namespace: h.ns,
      store,
      clock,
      onError: () => {},
      onEvent: (event) => {
        if (event.kind === "paused") paused.push(event.runId ?? "");
      },
    });
    try {
      await manager.start();
      await manager.activate("hook");
      expect((await manager.fire("hook", {})).status).toBe("failed");
      expect((await store.getActivation("hook"))?.status).toBe("active");
      const last = await manager.fire("hook", {});
      const activation = await store.getActivation("hook");
      expect(activation?.status).toBe("disabled");
      expect(activation?.statusNote).toMatchObject({
        by: "tickflow",
        note: `paused after 2 consecutive failed runs; last: run ${last.runId} failed: Node "fn" failed on attempt 1: bad gateway`,
      });
      expect(paused).toEqual([last.runId]);
    } finally {
      await manager.stop();
      await store.close();
      await scratch.drop();
    }
  });
});
