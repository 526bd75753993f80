/**
 * The command table: another process (the CLI) queues activate, deactivate and fire; the
 * running leader applies them within about a second and records the outcome.
 */
import { afterEach, describe, expect, it } from "vitest";
import { gate, Harness, SECOND, until } from "./harness.js";

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function leader() {
  const h = new Harness();
  harnesses.push(h);
  const got: unknown[] = [];
  h.ns.registerTrigger({
    name: "push",
    dagNsref: h.dag("push", (input: unknown) => {
      got.push(input);
      return "ok";
    }),
    triggerType: "push",
  });
  h.poll(
    "tick",
    h.dag("tick", () => 1),
    "0 0 1 1 *",
  );
  const manager = h.manager();
  await manager.activate("push");
  await manager.start();
  return { h, manager, got };
}

describe("commands from outside the supervisor", () => {
  it("a queued fire runs within a second; its command names the run, marked in the fire's own commit", async () => {
    const { h, got } = await leader();
    const seq = await h.store.requestCommand("push", "fire", { order: 7 }, h.clock.now());
    expect((await h.store.getCommand(seq))?.state).toBe("pending");
    await h.testClock.advance(SECOND);
    await until(async () => (await h.store.getCommand(seq))?.state === "done", "command done");
    const command = await h.store.getCommand(seq);
    await h.reportedAtLeast(1, "finished");
    const [event] = await h.store.getEvents("push");
    expect(event).toMatchObject({
      runId: command?.runId,
      status: "completed",
      payload: { order: 7 },
    });
    expect(got).toEqual([{ order: 7 }]);
  });

  it("a queued fire on a busy trigger fails at once with skipped_overlap, naming no run (issue 14, 3g)", async () => {
    const h = new Harness();
    harnesses.push(h);
    const g = gate();
    h.ns.registerTrigger({
      name: "busy",
      dagNsref: h.dag("b", () => g.promise),
      triggerType: "push",
    });
    const manager = h.manager();
    await manager.activate("busy");
    await manager.start();
    const first = manager.fire("busy", {});
    await h.reportedAtLeast(1, "fired");
    const seq = await h.store.requestCommand("busy", "fire", { again: true }, h.clock.now());
    await h.testClock.advance(SECOND);
    await until(
      async () => (await h.store.getCommand(seq))?.state !== "pending",
      "command answered",
    );
    expect(await h.store.getCommand(seq)).toMatchObject({
      state: "failed",
      runId: undefined,
      error: expect.stringMatching(/^skipped_overlap: /),
    });
    const statuses = (await h.store.getEvents("busy")).map((e) => e.status).sort();
    expect(statuses).toEqual(["running", "skipped_overlap"]);
    g.open();
    expect((await first).status).toBe("completed");
  });

  it("a command older than 60 s is recorded expired and never applied (a retry cannot double a fire)", async () => {
    const { h, got } = await leader();
    const stale = await h.store.requestCommand(
      "push",
      "fire",
      { old: true },
      h.clock.now() - 61 * SECOND,
    );
    const fresh = await h.store.requestCommand("push", "fire", { fresh: true }, h.clock.now());
    await h.testClock.advance(SECOND);
    await until(async () => (await h.store.getCommand(fresh))?.state === "done", "fresh done");
    expect(await h.store.getCommand(stale)).toMatchObject({
      state: "expired",
      error: expect.stringMatching(/^expired: not applied within 60 s/),
    });
    await h.reportedAtLeast(1, "finished");
    expect(got).toEqual([{ fresh: true }]);
  });

  it("queued deactivate and activate are applied by the leader", async () => {
    const { h, manager } = await leader();
    const off = await h.store.requestCommand("push", "deactivate", undefined, h.clock.now());
    await h.testClock.advance(SECOND);
    await until(async () => (await h.store.getCommand(off))?.state === "done", "deactivate done");
    expect(manager.states().push).toBe("disabled");
    expect((await h.store.getActivation("push"))?.status).toBe("disabled");

    const on = await h.store.requestCommand("tick", "activate", undefined, h.clock.now());
    await h.testClock.advance(SECOND);
    await until(async () => (await h.store.getCommand(on))?.state === "done", "activate done");
    expect(manager.states().tick).toBe("active");
  });

  it("a command that cannot be applied is marked failed with the reason; nothing fires", async () => {
    const { h, got } = await leader();
    const seq = await h.store.requestCommand("nope", "fire", {}, h.clock.now());
    const off = await h.store.requestCommand("tick", "fire", {}, h.clock.now());
    await h.testClock.advance(SECOND);
    await until(async () => (await h.store.getCommand(off))?.state !== "pending", "both handled");
    expect(await h.store.getCommand(seq)).toMatchObject({
      state: "failed",
      error: expect.stringContaining('"nope"'),
    });
    expect(await h.store.getCommand(off)).toMatchObject({
      state: "failed",
      error: expect.stringContaining("inactive"),
    });
    expect(got).toEqual([]);
  });

  it("a stopped manager applies nothing; the next leader does", async () => {
    const { h, manager, got } = await leader();
    await manager.stop();
    const seq = await h.store.requestCommand("push", "fire", { n: 1 }, h.clock.now());
    await h.testClock.advance(5 * SECOND);
    expect((await h.store.getCommand(seq))?.state).toBe("pending");
    const next = h.manager();
    await next.start();
    await h.testClock.advance(SECOND);
    await until(
      async () => (await h.store.getCommand(seq))?.state === "done",
      "done by the next leader",
    );
    await h.reportedAtLeast(1, "finished");
    expect(got).toEqual([{ n: 1 }]);
  });

  it("a command sent while the supervisor stops: applied, or withdrawn and never applied by the next start (issue 14, 3g)", async () => {
    const { h, manager, got } = await leader();
    // Queued in the same turn as stop(): the stopping leader must not take it.
    const stopped = manager.stop({ graceMs: SECOND });
    const seq = await h.store.requestCommand("push", "fire", { n: 1 }, h.clock.now());
    await h.testClock.advance(2 * SECOND);
    await stopped;
    const afterStop = await h.store.getCommand(seq);
    // The CLI got no answer in time and withdraws it, printing that nothing happened.
    const printed = await h.store.withdrawCommand(seq, "withdrawn: no answer", h.clock.now());
    expect({ afterStop: afterStop?.state, printed: printed?.state, got }).toEqual({
      afterStop: "pending",
      printed: "expired",
      got: [],
    });
    const next = h.manager();
    await next.start();
    await h.testClock.advance(3 * SECOND);
    expect({ state: (await h.store.getCommand(seq))?.state, got }).toEqual({
      state: "expired",
      got: [],
    });

    // A command the next leader applied before the CLI gave up: the withdrawal leaves it,
    // and what the CLI prints is what happened.
    const applied = await h.store.requestCommand("push", "fire", { n: 2 }, h.clock.now());
    await h.testClock.advance(SECOND);
    await until(
      async () => (await h.store.getCommand(applied))?.state === "done",
      "applied by the next leader",
    );
    const late = await h.store.withdrawCommand(applied, "withdrawn: no answer", h.clock.now());
    expect(late?.state).toBe("done");
    await h.reportedAtLeast(1, "finished");
    expect(got).toEqual([{ n: 2 }]);
    await next.stop();
  });
});
