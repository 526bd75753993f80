/**
 * Issue 17, item 3 through the CLI: a trigger paused by `pauseAfterFailures` shows its
 * note (by tickflow) in `status` and `explain`, text and --json.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { makeTempDir } from "../store/tempDir.js";
import { tickflow } from "./fixtures/tickflow.js";

const temp = makeTempDir();
let note = "";

beforeAll(async () => {
  const ns = new Namespace();
  const node = ns.register(
    () => {
      throw new Error("HTTP 503 from vendor");
    },
    { nsref: "hooks:fetch" },
  );
  const dag = new Dag();
  dag.node(node);
  ns.register(dag, { nsref: "hooks:dag" });
  ns.registerTrigger({
    name: "vendor_hook",
    dagNsref: "hooks:dag",
    triggerType: "push",
    pauseAfterFailures: 2,
  });
  const store = new TriggerStore(path.join(temp.dir, "triggers.db"));
  const provenance = new DagProvenance(path.join(temp.dir, "provenance.db"));
  const manager = new TriggerManager({
    namespace: ns,
    store,
    provenance,
    clock: new TestClock(Date.UTC(2026, 0, 5)),
  });
  await manager.activate("vendor_hook");
  await manager.fire("vendor_hook", {});
  const last = await manager.fire("vendor_hook", {});
  note = `paused after 2 consecutive failed runs; last: run ${last.runId} failed: Node "fetch" failed on attempt 1: HTTP 503 from vendor`;
  store.close();
  provenance.close();
}, 60_000);
afterAll(temp.cleanup);

const at = (...args: string[]) => tickflow(["--data", temp.dir, ...args]);

describe("a trigger paused by pauseAfterFailures", () => {
  it("status and explain show it disabled with the note, by tickflow", async () => {
    const status = await at("status", "--json");
    expect(status.code).toBe(0);
    const row = JSON.parse(status.stdout).find((t: { name: string }) => t.name === "vendor_hook");
    expect(row).toMatchObject({ status: "disabled", statusNote: { note, by: "tickflow" } });
    // The table cuts a long note to the STATE column's width; explain shows it whole.
    const table = (await at("status")).stdout;
    expect(table).toContain(`"${note.slice(0, 33)}…"`);
    expect(table).toContain("by tickflow, 2026-01-05T00:00:00Z");
    const explained = await at("explain", "vendor_hook", "--json");
    expect(explained.code).toBe(0);
    const { now, decisions } = JSON.parse(explained.stdout);
    expect(now.statusNote).toMatchObject({ note, by: "tickflow" });
    expect(decisions).toContainEqual(
      expect.objectContaining({ kind: "deactivated", note, by: "tickflow" }),
    );
    expect((await at("explain", "vendor_hook")).stdout).toContain(
      `paused: ${JSON.stringify(note)} by tickflow`,
    );
  }, 90_000);
});
