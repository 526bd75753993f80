import { describe, expect, it } from "vitest";
import { Admission } from "../../src/supervisor/Admission.js";
import { gate, turn } from "./harness.js";

describe("Admission", () => {
  it("runs at most `limit` tasks at once, the others in the order they came", async () => {
    const admission = new Admission(2);
    const gates = Array.from({ length: 5 }, () => gate());
    const started: number[] = [];
    const done = gates.map((g, k) =>
      admission.run(async () => {
        started.push(k);
        await g.promise;
        return k;
      }),
    );
    await turn();
    expect(started).toEqual([0, 1]);
    gates[1]?.open();
    await turn();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("passes the slot on when a task rejects or throws before its first await", async () => {
    const admission = new Admission(1);
    const failed = admission.run(() => Promise.reject(new Error("no")));
    const thrown = admission.run(() => {
      throw new Error("sync");
    });
    const after = admission.run(async () => "ran");
    await expect(failed).rejects.toThrow("no");
    await expect(thrown).rejects.toThrow("sync");
    expect(await after).toBe("ran");
    // Every slot is free again: `limit` tasks start at once.
    const order: string[] = [];
    await Promise.all([admission.run(async () => order.push("x"))]);
    expect(order).toEqual(["x"]);
  });
});
