import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { DagRunnerMissing } from "../../src/dag/errors.js";

// This file imports dag/ alone (vitest gives each file its own modules): run/ is never
// loaded, so `dag.run` has no runner — dag/ does not reach up to run/ by itself.
describe("dag.run without run/ loaded", () => {
  it("rejects with DagRunnerMissing saying what to import", async () => {
    const dag = new Dag();
    dag.node((n: number) => n + 1, { label: "inc" });
    const error = await dag.run(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DagRunnerMissing);
    expect((error as Error).message).toContain('import { Dag } from "tickflow"');
  });

  it("runs once the runner is loaded", async () => {
    await import("../../src/run/DagRunner.js");
    const dag = new Dag();
    dag.node((n: number) => n + 1, { label: "inc" });
    expect(await dag.run(1)).toMatchObject({ status: "completed", outputs: { inc: 2 } });
  });
});
