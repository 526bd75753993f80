import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { NullProvenance } from "../../src/provenance/NullProvenance.js";
import { Provenance, type RunStart } from "../../src/provenance/Provenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";

const run: RunStart = {
  runId: "run-1",
  dagNsref: undefined,
  parentRunId: undefined,
  expansionKey: undefined,
  fingerprint: "0000000000000000",
  shape: { nodes: ["a=function"], edges: [] },
  startedAt: 0,
  input: {},
  nodes: [{ label: "a", isSource: true, isSink: true }],
};

describe("NullProvenance", () => {
  it("provides the Provenance service through its layer", async () => {
    const service = await Effect.runPromise(Effect.provide(Provenance, NullProvenance.layer));
    expect(service).toBe(NullProvenance.service);
  });

  it("accepts every write and keeps nothing", async () => {
    const s = NullProvenance.service;
    const start = { label: "a", input: {}, attempt: 1, startedAt: 0 };
    await Effect.runPromise(
      Effect.all([
        s.runStarted(run, [start]),
        s.runResumed("run-1", [start]),
        s.nodesStarted("run-1", [start]),
        s.nodeCompleted(
          "run-1",
          { label: "a", output: 1, finishedAt: 1, edges: [], status: "completed" },
          [],
        ),
        s.runFinished("run-1", {
          status: "completed",
          finishedAt: 2,
          outputs: { a: 1 },
          error: undefined,
          nodes: [],
        }),
      ]),
    );
    // Nothing was kept: the run it was just told about cannot be loaded.
    await expect(Effect.runPromise(s.loadRunState("run-1"))).resolves.toBeUndefined();
  });

  it("is what a runner without provenance uses: runs work", async () => {
    const dag = new Dag();
    dag.node(() => 1, { label: "a" });
    await expect(new DagRunner(dag).run()).resolves.toMatchObject({ status: "completed" });
  });
});
