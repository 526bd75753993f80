/**
 * Issue 17, item 7: a trigger's dagNsref may name a registered function; it runs as a
 * one-node DAG labelled after the function, recorded like any run.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NsrefNotFound } from "../../src/namespace/errors.js";
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
