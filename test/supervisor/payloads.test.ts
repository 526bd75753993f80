/**
 * Issue 14, contract 3e: payloads JSON cannot carry never reach the snapshot, the journal
 * or the ledger. From `fire()` they are a typed `PayloadInvalid` naming the place; from a
 * poll they record `poll_failed` with that reason, and the schedule goes on.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PayloadInvalid } from "../../src/supervisor/errors.js";
import { Harness, rejection, SECOND, T0 } from "./harness.js";

const harnesses: Harness[] = [];
function harness(): Harness {
  const h = new Harness();
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe("payloads JSON cannot carry", () => {
  it("fire() rejects with PayloadInvalid naming the path, and records nothing", async () => {
    const h = harness();
    h.ns.registerTrigger({ name: "push", dagNsref: h.dag("p", () => 1), triggerType: "push" });
    const manager = h.manager();
    await manager.activate("push");
    await manager.start();
    const cyclic: Record<string, unknown> = { list: [] };
    (cyclic.list as unknown[]).push(cyclic);
    const cases: [Record<string, unknown>, string][] = [
      [{ n: 10n }, "payload.n"],
      [cyclic, "payload.list[0]"],
      [{ deep: { f: () => 1 } }, "payload.deep.f"],
    ];
    for (const [payload, path] of cases) {
      const error = await rejection(manager.fire("push", payload));
      expect(error).toBeInstanceOf(PayloadInvalid);
      expect(error).toMatchObject({ name: "push", nodeLabel: "", field: path });
      expect((error as Error).message).toContain("cannot be stored as JSON");
    }
    expect(await h.store.getEvents("push")).toEqual([]);
    expect(manager.states()).toEqual({ push: "active" });
    // The trigger still fires a payload JSON can carry.
    expect((await manager.fire("push", { n: "10" })).status).toBe("completed");
    expect(h.errors).toEqual([]);
  });

  it("a poll returning one records poll_failed with the reason; the next tick fires", async () => {
    const h = harness();
    let answer: Record<string, unknown> = { n: 10n };
    h.poll(
      "polled",
      h.dag("q", () => 1),
      "* * * * * *",
      { pollFn: () => answer },
    );
    const manager = h.manager();
    await manager.activate("polled");
    await manager.start();
    await h.testClock.advance(SECOND);
    await h.reportedAtLeast(1, "poll_failed");
    answer = { n: "10" };
    await h.advanceAndFinish(SECOND, 1);
    const rows = (await h.store.getEvents("polled")).map((e) => [
      e.scheduledAt?.getTime(),
      e.status,
      e.error,
    ]);
    expect(rows).toEqual([
      [T0 + 2 * SECOND, "completed", undefined],
      [
        T0 + SECOND,
        "poll_failed",
        expect.stringMatching(/returned a payload JSON cannot carry: payload\.n is a BigInt/),
      ],
    ]);
    expect(h.errors).toEqual([]);
  });
});
