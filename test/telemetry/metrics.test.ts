import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TriggerBusy } from "../../src/supervisor/errors.js";
import { gate, Harness, MINUTE, rejection, SECOND, until } from "../supervisor/harness.js";
import { registerTestSdk, type TestSdk } from "./otelTestSdk.js";

let sdk: TestSdk;
beforeEach(async () => {
  sdk = await registerTestSdk();
});
afterEach(async () => {
  await sdk.shutdown();
});

describe("metrics after a known sequence of fires (TestClock)", () => {
  it("counts fires by trigger and outcome, tick lateness, runs, nodes, polls, triggers by state and role changes", async () => {
    const h = new Harness({ provenance: true });
    h.dag("quick", () => "done");
    const blocker = gate();
    h.dag("slow", () => blocker.promise);
    const answers: (() => Record<string, unknown> | null)[] = [
      () => ({ n: 1 }),
      () => null,
      () => {
        throw new Error("the source is down");
      },
    ];
    h.poll("minutely", "quick:dag", "* * * * *", {
      pollFn: () => (answers.shift() ?? (() => null))(),
    });
    h.ns.registerTrigger({ name: "orders", dagNsref: "slow:dag", triggerType: "push" });
    const manager = h.manager();
    await manager.activate("minutely");
    await manager.activate("orders");
    // Down for 3½ minutes: 00:01 and 00:02 are missed, 00:03 fires (catch-up `latest`), 30 s late.
    await h.testClock.advance(3 * MINUTE + 30 * SECOND);
    await manager.start();
    await h.testClock.advance(0); // the catch-up fire's poll and run
    await h.reportedAtLeast(1, "finished", "minutely");
    await h.testClock.advance(30 * SECOND); // 00:04: the poll answers nothing
    await h.reportedAtLeast(1, "poll_empty");
    await h.testClock.advance(MINUTE); // 00:05: the poll throws
    await h.reportedAtLeast(1, "poll_failed");

    const running = manager.fire("orders", {});
    await h.reportedAtLeast(1, "fired", "orders");
    expect(await sdk.sum("tickflow.runs.in_flight")).toBe(1);
    expect(await rejection(manager.fire("orders", {}))).toBeInstanceOf(TriggerBusy);
    const gauge = await sdk.points("tickflow.triggers");
    expect(gauge.map((p) => [p.attributes["tickflow.trigger.state"], p.value]).sort()).toEqual([
      ["active", 1],
      ["firing", 1],
    ]);
    blocker.open();
    await running;
    await until(async () => (await sdk.sum("tickflow.runs.in_flight")) === 0, "runs ended");

    const fires = async (trigger: string, outcome: string) =>
      sdk.sum("tickflow.fires", { "tickflow.trigger": trigger, "tickflow.fire.outcome": outcome });
    expect(await fires("minutely", "missed")).toBe(2);
    expect(await fires("minutely", "fired")).toBe(1);
    expect(await fires("minutely", "poll_empty")).toBe(1);
    expect(await fires("minutely", "poll_failed")).toBe(1);
    expect(await fires("orders", "fired")).toBe(1);
    expect(await fires("orders", "skipped_overlap")).toBe(1);
    expect(await sdk.sum("tickflow.fires")).toBe(7);

    // Lateness of the three ticks decided (the missed ones are not decided late, but missed).
    const [lateness] = await sdk.points("tickflow.fire.lateness");
    expect(lateness?.value).toMatchObject({ count: 3, sum: 30 * SECOND, min: 0, max: 30 * SECOND });
    expect(await sdk.sum("tickflow.run.duration", { "tickflow.run.status": "completed" })).toBe(2);
    expect(await sdk.sum("tickflow.node.duration", { "tickflow.node.status": "completed" })).toBe(
      2,
    );
    const polls = await sdk.points("tickflow.poll.duration");
    expect(polls.map((p) => p.attributes["tickflow.poll.outcome"]).sort()).toEqual([
      "empty",
      "failed",
      "payload",
    ]);
    expect(await sdk.sum("tickflow.group_commit.size")).toBeGreaterThan(0);
    expect(await sdk.sum("tickflow.group_commit.duration")).toBe(
      await sdk.sum("tickflow.group_commit.size"),
    );
    expect(
      await sdk.sum("tickflow.lease.role_changes", { "tickflow.supervisor.role": "leading" }),
    ).toBe(1);

    await h.close();
    expect(
      await sdk.sum("tickflow.lease.role_changes", { "tickflow.supervisor.role": "stopped" }),
    ).toBe(1);
    expect(h.errors).toEqual([]);
  });
});
