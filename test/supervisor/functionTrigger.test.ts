/**
 * Issue 17, item 7: a trigger's dagNsref may name a registered function; it runs as a
 * one-node DAG labelled after the function, recorded like any run.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NsrefNotFound } from "../../src/namespace/errors.js";
import type { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import { dagOfTrigger } from "../../src/supervisor/dagOfTrigger.js";
import { Harness, rejection, SECOND, T0 } from "./harness.js";

const harnesses: Harness[] = [];
function harness(): Harness {
  const h = new Harness({ provenance: true });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe("a trigger on a plain function", () => {
  it("a push fires it as a one-node run labelled after the function", async () => {
    const h = harness();
    h.ns.register((input: { n: number }) => ({ doubled: input.n * 2 }), {
      nsref: "math:double",
    });
    h.ns.registerTrigger({ name: "doubler", dagNsref: "math:double", triggerType: "push" });
    const manager = h.manager();
    await manager.activate("doubler");
    await manager.start();
    const result = await manager.fire("doubler", { n: 21 });
    expect(result).toMatchObject({ status: "completed", outputs: { double: { doubled: 42 } } });
    const run = await h.provenance?.getRun(result.runId, { values: true });
    expect(run).toMatchObject({ dagNsref: "math:double", status: "completed", input: { n: 21 } });
    expect(Object.keys(run?.nodes ?? {})).toEqual(["double"]);
    expect(run?.nodes.double).toMatchObject({ status: "completed", isSource: true, isSink: true });
    const [event] = await h.store.getEvents("doubler");
    expect(event).toMatchObject({ status: "completed", runId: result.runId });
    expect(h.errors).toEqual([]);
  });

  it("a schedule fires it on its ticks, each tick one run", async () => {
    const h = harness();
    let calls = 0;
    h.ns.register(
      () => {
        calls += 1;
        return calls;
      },
      { nsref: "jobs:count" },
    );
    h.ns.registerTrigger({
      name: "every_second",
      dagNsref: "jobs:count",
      triggerType: "cron",
      schedule: "* * * * * *",
      timezone: "UTC",
    });
    const manager = h.manager();
    await manager.activate("every_second");
    await manager.start();
    await h.advanceAndFinish(SECOND, 1);
    const [event] = await h.store.getEvents("every_second");
    expect(event).toMatchObject({ status: "completed", scheduledAt: new Date(T0 + SECOND) });
    const run = await h.provenance?.getRun(event?.runId as string, { values: true });
    expect(run?.outputs).toEqual({ count: 1 });
    expect(calls).toBe(1);
  });

  it("a failed run of a function trigger restarts against the same one-node DAG", async () => {
    const h = harness();
    let broken = true;
    h.ns.register(
      (input: { n: number }) => {
        if (broken) throw new Error("not yet");
        return input.n + 1;
      },
      { nsref: "math:inc" },
    );
    h.ns.registerTrigger({ name: "inc", dagNsref: "math:inc", triggerType: "push" });
    const manager = h.manager();
    await manager.activate("inc");
    await manager.start();
    const failed = await manager.fire("inc", { n: 1 });
    expect(failed).toMatchObject({ status: "failed", failedNode: "inc" });
    broken = false;
    const dag = dagOfTrigger(h.ns, h.ns.getTrigger("inc"));
    expect(dag).toBe(dagOfTrigger(h.ns, h.ns.getTrigger("inc")));
    const runner = new DagRunner(dag, {
      dagNsref: "math:inc",
      provenance: h.provenance as DagProvenance,
    });
    const restarted = await runner.restart(failed.runId);
    expect(restarted).toMatchObject({
      runId: failed.runId,
      status: "completed",
      outputs: { inc: 2 },
    });
  });

  it("activating a trigger whose nsref names nothing is NsrefNotFound with the nearest name", async () => {
    const h = harness();
    h.ns.register(() => 1, { nsref: "math:double" });
    h.ns.registerTrigger({ name: "typo", dagNsref: "math:doubel", triggerType: "push" });
    const manager = h.manager();
    const error = await rejection(manager.activate("typo"));
    expect(error).toBeInstanceOf(NsrefNotFound);
    expect((error as Error).message).toContain("math:double");
  });
});
