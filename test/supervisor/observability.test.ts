import { afterEach, describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import type { Logger } from "../../src/run/Logger.js";
import { Harness, MINUTE } from "./harness.js";

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** A logger that keeps every line with the bindings of its children merged in. */
function memoryLogger(
  lines: Record<string, unknown>[],
  bindings: Record<string, unknown> = {},
): Logger {
  const write = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push({ level, message, ...bindings, ...fields });
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (more) => memoryLogger(lines, { ...bindings, ...more }),
  };
}

describe("observability", () => {
  it("a given logger gets every line of a run with its trigger, run id and node label", async () => {
    const h = new Harness();
    harnesses.push(h);
    h.poll(
      "t",
      h.dag("t", () => 1),
      "* * * * *",
    );
    const lines: Record<string, unknown>[] = [];
    const manager = h.manager({ logger: memoryLogger(lines) });
    await manager.activate("t");
    await manager.start();
    await h.advanceAndFinish(MINUTE, 1);
    const runLines = lines.filter(
      (line) => line.runId !== undefined && line.message !== "fired" && line.message !== "finished",
    );
    expect(runLines.map((line) => line.message)).toEqual([
      "run started",
      "node started",
      "node completed",
      "run finished",
    ]);
    for (const line of runLines) expect(line).toMatchObject({ trigger: "t", dagNsref: "t:dag" });
    expect(
      runLines.filter((line) => String(line.message).startsWith("node")).map((l) => l.nodeLabel),
    ).toEqual(["fn", "fn"]);
    expect(lines.find((line) => line.message === "fired")).toMatchObject({
      trigger: "t",
      runId: runLines[0]?.runId,
    });
  });

  it("nothing is printed or logged without a logger (the library is silent by default)", async () => {
    const h = new Harness();
    harnesses.push(h);
    h.poll(
      "t",
      h.dag("t", () => 1),
      "* * * * *",
    );
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.advanceAndFinish(MINUTE, 1);
    expect(h.errors).toEqual([]);
  });

  it("the inspect option receives XState's inspection events for each committed transition", async () => {
    const h = new Harness();
    harnesses.push(h);
    h.poll(
      "t",
      h.dag("t", () => 1),
      "* * * * *",
    );
    const events: InspectionEvent[] = [];
    const manager = h.manager({ inspect: (event: InspectionEvent) => events.push(event) });
    await manager.activate("t");
    await manager.start();
    await h.advanceAndFinish(MINUTE, 1);
    await h.testClock.advance(0);
    const snapshots = events
      .filter((event) => event.type === "@xstate.snapshot")
      .map((event) => (event as unknown as { snapshot: { value: unknown } }).snapshot.value);
    const sent = events
      .filter((event) => event.type === "@xstate.event")
      .map((event) => (event as unknown as { event: { type: string } }).event.type);
    expect(sent).toEqual(expect.arrayContaining(["ACTIVATE", "TICK", "RUN_FINISHED"]));
    expect(snapshots.at(-1)).toBe("active");
    expect(snapshots).toContain("firing");
    expect(manager.states()).toEqual({ t: "active" });
  });
});
