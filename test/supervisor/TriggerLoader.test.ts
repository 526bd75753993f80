import { describe, expect, it, vi } from "vitest";
import { triggerMachine } from "../../machines/trigger.machine.js";
import { harnessPerTest } from "./harness.js";

const harness = harnessPerTest();

describe("TriggerLoader: activations issued together", () => {
  it("read the stored activations once, not once per call", async () => {
    const h = harness();
    const dag = h.dag("d", () => 1);
    for (let k = 0; k < 40; k++) h.poll(`t${k}`, dag, "0 * * * *");
    const first = h.manager();
    await Promise.all(Array.from({ length: 20 }, (_, k) => first.activate(`t${k}`)));
    // A second process (a service instance at boot) activates all 40, 20 of them stored.
    const second = h.manager();
    const reads = vi.spyOn(h.store, "loadActivations");
    await Promise.all(Array.from({ length: 40 }, (_, k) => second.activate(`t${k}`)));
    expect(reads).toHaveBeenCalledTimes(1);
    const states = second.states();
    for (let k = 0; k < 40; k++) expect(states[`t${k}`]).toBe("active");
    expect(h.errors).toEqual([]);
  });

  it("try the read again after it failed", async () => {
    const h = harness();
    const dag = h.dag("d", () => 1);
    h.poll("a", dag, "0 * * * *");
    h.poll("b", dag, "0 * * * *");
    const manager = h.manager();
    const failure = new Error("disk unplugged");
    // The first read fails only once both calls wait on it (each first reads the data
    // definitions, so they reach the shared read a few turns apart).
    let fail: (error: Error) => void = () => {};
    const reads = vi.spyOn(h.store, "loadActivations").mockImplementationOnce(
      () =>
        new Promise((_, reject) => {
          fail = reject;
        }),
    );
    const both = Promise.allSettled([manager.activate("a"), manager.activate("b")]);
    for (let turn = 0; turn < 10; turn++) await new Promise((r) => setImmediate(r));
    fail(failure);
    const failed = await both;
    expect(failed.map((r) => (r.status === "rejected" ? r.reason : r.status))).toEqual([
      failure,
      failure,
    ]);
    await manager.activate("a");
    expect(reads).toHaveBeenCalledTimes(2);
    expect(manager.states().a).toBe("active");
  });
});

describe("TriggerLoader: start() after activations", () => {
  it("keeps the triggers whose rows it wrote and restores one another process changed", async () => {
    const h = harness();
    const dag = h.dag("d", () => 1);
    for (const name of ["a", "b", "c"]) h.poll(name, dag, "0 * * * *");
    const manager = h.manager();
    await Promise.all(["a", "b", "c"].map((name) => manager.activate(name)));
    // Another process (the CLI, say) deactivates b before this manager starts.
    await h.manager().deactivate("b", { note: "paused elsewhere" });
    const restored = vi.spyOn(triggerMachine, "resolveState");
    await manager.start();
    // Only b's stored snapshot was restored: a and c were kept as they were.
    expect(restored).toHaveBeenCalledTimes(1);
    expect(manager.states()).toEqual({ a: "active", b: "disabled", c: "active" });
    expect(manager.nextFireAt("a")).toBeDefined();
    expect(manager.nextFireAt("b")).toBeUndefined();
    expect(h.errors).toEqual([]);
  });

  it("a restart writes no next run the stored row holds already, and rewrites one that differs", async () => {
    const h = harness();
    const dag = h.dag("d", () => 1);
    for (const name of ["a", "b", "c"]) h.poll(name, dag, "0 * * * *");
    const turns = async () => {
      // The next-run writes are queued without waiting: let the group commit land.
      for (let turn = 0; turn < 10; turn++) await new Promise((r) => setImmediate(r));
    };
    const first = h.manager();
    await Promise.all(["a", "b", "c"].map((name) => first.activate(name)));
    await first.start();
    await turns();
    await first.stop();
    // Another process moved b's stored next run: the restart writes it back.
    await h.store.backend.commit("elsewhere", [{ kind: "nextRun", name: "b", nextRunAt: 1 }], {});
    const commits = vi.spyOn(h.store.backend, "commit");
    const second = h.manager();
    await second.start();
    await turns();
    const nextRuns = commits.mock.calls.flatMap(([, writes]) =>
      writes.filter((w) => w.kind === "nextRun").map((w) => w.name),
    );
    expect(nextRuns).toEqual(["b"]);
    for (const name of ["a", "b", "c"]) {
      const stored = (await h.store.getActivation(name))?.nextRunAt;
      expect(stored).toEqual(second.nextFireAt(name));
      expect(stored).toBeDefined();
    }
    await second.stop();
    expect(h.errors).toEqual([]);
  });

  it("read the data definitions once for activations issued together", async () => {
    const h = harness();
    const dag = h.dag("d", () => 1);
    for (let k = 0; k < 20; k++) h.poll(`t${k}`, dag, "0 * * * *");
    const manager = h.manager();
    const reads = vi.spyOn(h.store, "definitionsSince");
    await Promise.all(Array.from({ length: 20 }, (_, k) => manager.activate(`t${k}`)));
    expect(reads).toHaveBeenCalledTimes(1);
    expect(Object.values(manager.states())).toEqual(Array(20).fill("active"));
  });
});
