import { describe, expect, it } from "vitest";
import { newLive, serial } from "../../src/supervisor/Live.js";
import { MachineStepper } from "../../src/supervisor/MachineStepper.js";

const at = { activatedAt: 0, since: 0, epoch: undefined };

describe("Live", () => {
  it("keeps what is put in its per-fire maps (made on first use, then the same map)", () => {
    const live = newLive("t", undefined, new MachineStepper().initial({ name: "t" }), at);
    expect(live.runs.size).toBe(0);
    live.kinds.set("e1", "push");
    live.keys.set("e1", "k1");
    live.runErrors.set("r1", "boom");
    const controller = new AbortController();
    live.runs.set("r1", { controller, done: Promise.resolve() });
    live.waiters.set("r1", { resolve: () => {}, reject: () => {} });
    expect(live.kinds.get("e1")).toBe("push");
    expect(live.keys.get("e1")).toBe("k1");
    expect(live.runErrors.get("r1")).toBe("boom");
    expect(live.runs.get("r1")?.controller).toBe(controller);
    expect([...live.waiters.keys()]).toEqual(["r1"]);
    expect(live.runs).toBe(live.runs);
  });

  it("gives each trigger its own maps and its own order of steps", async () => {
    const stepper = new MachineStepper();
    const a = newLive("a", undefined, stepper.initial({ name: "a" }), at);
    const b = newLive("b", undefined, stepper.initial({ name: "b" }), at);
    a.kinds.set("e", "tick");
    expect(b.kinds.has("e")).toBe(false);
    const order: string[] = [];
    const first = serial(a, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      order.push("a1");
    });
    const second = serial(a, async () => {
      order.push("a2");
    });
    const other = serial(b, async () => {
      order.push("b1");
    });
    await Promise.all([first, second, other]);
    expect(order).toEqual(["b1", "a1", "a2"]);
  });
});
