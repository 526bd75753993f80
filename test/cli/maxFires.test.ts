/**
 * Issue 16, item 7 through the CLI: a trigger with `maxFires` shows what is left (or that
 * its schedule ended) in `status`, `explain` and `preview`, text and --json.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { makeTempDir } from "../store/tempDir.js";
import { tickflow } from "./fixtures/tickflow.js";

const temp = makeTempDir();
const MINUTE = 60_000;

beforeAll(async () => {
  const ns = new Namespace();
  const node = ns.register(() => 1, { nsref: "jobs:work" });
  const dag = new Dag();
  dag.node(node);
  ns.register(dag, { nsref: "jobs:dag" });
  for (const [name, maxFires] of [
    ["ended", 2],
    ["lasting", 5],
  ] as const) {
    ns.registerTrigger({
      name,
      dagNsref: "jobs:dag",
      triggerType: "poll",
      schedule: "* * * * *",
      timezone: "UTC",
      maxFires,
    });
  }
  // Not maxFires but endAt: the other way a schedule ends, shown the same way in status.
  ns.registerTrigger({
    name: "windowed",
    dagNsref: "jobs:dag",
    triggerType: "poll",
    schedule: "* * * * *",
    timezone: "UTC",
    endAt: "2026-01-05T00:02:00Z",
  });
  const store = new TriggerStore(path.join(temp.dir, "triggers.db"));
  const clock = new TestClock(Date.UTC(2026, 0, 5));
  const manager = new TriggerManager({ namespace: ns, store, clock });
  await manager.activate("ended");
  await manager.activate("lasting");
  await manager.activate("windowed");
  await manager.start();
  // Three minutes: "ended" fires twice, "lasting" three times; runs are instant.
  for (let i = 1; i <= 3; i++) {
    await clock.advance(MINUTE);
    const want = { ended: Math.min(i, 2), lasting: i };
    for (let wait = 0; wait < 2_000; wait++) {
      const ended = await store.getEvents("ended");
      const lasting = await store.getEvents("lasting");
      const settled = [...ended, ...lasting].every((r) => r.status !== "running");
      if (ended.length === want.ended && lasting.length === want.lasting && settled) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  await manager.stop();
  store.close();
}, 60_000);
afterAll(temp.cleanup);

const at = (...args: string[]) => tickflow(["--data", temp.dir, ...args]);

describe("maxFires in the CLI", () => {
  it("status shows the fires left, or that the schedule ended", async () => {
    const json = await at("status", "--json");
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as { name: string; fireLimit: unknown; endAt?: string }[];
    expect(rows.map((r) => [r.name, r.fireLimit, r.endAt])).toEqual([
      ["ended", { maxFires: 2, fired: 2, remaining: 0 }, undefined],
      ["lasting", { maxFires: 5, fired: 3, remaining: 2 }, undefined],
      ["windowed", undefined, "2026-01-05T00:02:00.000Z"],
    ]);
    const text = (await at("status")).stdout;
    expect(text).toContain("ended: 2 of 2 fired");
    expect(text).toContain("2 of 5 left");
    expect(text).toMatch(/windowed[^\n]*ended: endAt/);
  }, 90_000);

  it("explain ends with the `ended` decision, at the last scheduled fire", async () => {
    const json = await at("explain", "ended", "--json");
    expect(json.code).toBe(0);
    const { decisions } = JSON.parse(json.stdout) as {
      decisions: { kind: string; at: string; reason: string }[];
    };
    expect(decisions.map((d) => d.kind)).toEqual(["activated", "fired", "fired", "ended"]);
    expect(decisions.at(-1)).toMatchObject({
      at: "2026-01-05T00:02:00.000Z",
      reason: expect.stringContaining("ended: 2 of 2 fired (maxFires 2)"),
    });
    expect((await at("explain", "ended")).stdout).toContain("the schedule has ended");
  }, 90_000);

  it("preview shows only the ticks the remaining fires allow", async () => {
    const lasting = await at(
      "preview",
      "lasting",
      "--count",
      "10",
      "--after",
      "2026-01-05T00:03:00Z",
      "--json",
    );
    expect(lasting.code).toBe(0);
    const shown = JSON.parse(lasting.stdout) as { fireLimit: unknown; entries: { at: string }[] };
    expect(shown.fireLimit).toEqual({ maxFires: 5, fired: 3, remaining: 2 });
    expect(shown.entries.map((e) => e.at)).toEqual([
      "2026-01-05T00:04:00.000Z",
      "2026-01-05T00:05:00.000Z",
    ]);
    const ended = await at("preview", "ended", "--json");
    expect(JSON.parse(ended.stdout)).toMatchObject({ entries: [], fireLimit: { remaining: 0 } });
    const text = (await at("preview", "ended")).stdout;
    expect(text).toContain("maxFires 2: ended: 2 of 2 fired");
    expect(text).toContain("No tick will fire");
  }, 90_000);
});
