import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Effect, Either } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { DagProvenance, type RunRecord } from "../../src/provenance/DagProvenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import { DagChanged, RunNotFound, UnknownLabel } from "../../src/run/errors.js";

let dir: string;
let provenance: DagProvenance;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-"));
  provenance = new DagProvenance(path.join(dir, "runs.db"));
});
afterEach(() => {
  provenance.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The rejection of a promise (fails the test if it resolves). */
const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, the promise resolved");
};

/**
 * fetch → (left, right) → join → publish. Every call is counted; `left` returns a
 * different value on each call, so a re-run shows downstream.
 */
function pipeline() {
  const calls: Record<string, number> = {};
  const count = (ctx: NodeContext) => {
    calls[ctx.nodeLabel] = (calls[ctx.nodeLabel] ?? 0) + 1;
    return calls[ctx.nodeLabel] as number;
  };
  const dag = new Dag();
  const fetch = dag.node(
    (input: { base: number }, ctx: NodeContext) => {
      count(ctx);
      return { base: input.base, at: new Date("2026-01-05T00:00:00.000Z") };
    },
    { label: "fetch" },
  );
  const left = dag.node(
    (x: { base: number }, ctx: NodeContext) => x.base + count(ctx) * 100, // 1st call +100, 2nd +200
    { label: "left" },
  );
  const right = dag.node(
    (x: { base: number; at: Date }, ctx: NodeContext) => {
      count(ctx);
      return { doubled: x.base * 2, day: x.at.getUTCDate() };
    },
    { label: "right" },
  );
  const join = dag.node(
    (x: { l: number; r: { doubled: number; day: number } }, ctx: NodeContext) => {
      count(ctx);
      return x.l + x.r.doubled + x.r.day;
    },
    { label: "join" },
  );
  const publish = dag.node(
    (total: number, ctx: NodeContext) => {
      count(ctx);
      return `total=${total}`;
    },
    { label: "publish" },
  );
  fetch.to(left);
  fetch.to(right);
  left.to(join, { as: "l" });
  right.to(join, { as: "r" });
  join.to(publish);
  return { dag, calls };
}

describe("replay", () => {
  it("re-runs only the named node and its downstream, as a new run", async () => {
    const { dag, calls } = pipeline();
    const runner = new DagRunner(dag, { provenance, dagNsref: "p:pipeline" });
    const original = await runner.run({ base: 1 });
    // left = 1 + 100, right = {2, 5}: 101 + 2 + 5
    expect(original).toMatchObject({ status: "completed", outputs: { publish: "total=108" } });
    expect(calls).toEqual({ fetch: 1, left: 1, right: 1, join: 1, publish: 1 });

    const replayed = await runner.replay(original.runId, { rerun: ["left"] });
    expect(replayed.runId).not.toBe(original.runId);
    // left's second call adds 200: 201 + 2 + 5; right's copied output (with the copied
    // Date's day) feeds join.
    expect(replayed).toMatchObject({ status: "completed", outputs: { publish: "total=208" } });
    expect(calls).toEqual({ fetch: 1, left: 2, right: 1, join: 2, publish: 2 });

    const run = (await provenance.getRun(replayed.runId, { values: true })) as RunRecord;
    expect(run.status).toBe("completed");
    expect(run.dagNsref).toBe("p:pipeline");
    expect(run.input).toEqual({ base: 1 });
    const statuses = Object.fromEntries(Object.entries(run.nodes).map(([k, n]) => [k, n.status]));
    expect(statuses).toEqual({
      fetch: "skipped",
      left: "completed",
      right: "skipped",
      join: "completed",
      publish: "completed",
    });
    // Skipped nodes carry the copied outputs.
    expect(run.nodes.fetch?.output).toEqual({ base: 1, at: new Date("2026-01-05T00:00:00.000Z") });
    expect(run.nodes.right?.output).toEqual({ doubled: 2, day: 5 });
    expect(run.nodes.left?.output).toBe(201);
    expect(run.nodes.join?.input).toEqual({ l: 201, r: { doubled: 2, day: 5 } });

    // The original run is untouched.
    const before = (await provenance.getRun(original.runId, { values: true })) as RunRecord;
    expect(before.outputs).toEqual({ publish: "total=108" });
    expect(Object.values(before.nodes).every((n) => n.status === "completed")).toBe(true);
    expect((await provenance.getRecentRuns()).map((r) => r.runId).sort()).toEqual(
      [original.runId, replayed.runId].sort(),
    );
  });

  it("re-running a sink runs nothing else", async () => {
    const { dag, calls } = pipeline();
    const runner = new DagRunner(dag, { provenance });
    const original = await runner.run({ base: 1 });
    const replayed = await runner.replay(original.runId, { rerun: ["publish"] });
    expect(replayed).toMatchObject({ status: "completed", outputs: { publish: "total=108" } });
    expect(calls).toEqual({ fetch: 1, left: 1, right: 1, join: 1, publish: 2 });
  });

  it("re-running the source runs everything again", async () => {
    const { dag, calls } = pipeline();
    const runner = new DagRunner(dag, { provenance });
    const original = await runner.run({ base: 1 });
    await runner.replay(original.runId, { rerun: ["fetch"] });
    expect(calls).toEqual({ fetch: 2, left: 2, right: 2, join: 2, publish: 2 });
  });

  it("takes several names, and a replayed run can itself be replayed", async () => {
    const { dag, calls } = pipeline();
    const runner = new DagRunner(dag, { provenance });
    const original = await runner.run({ base: 1 });
    const twice = await runner.replay(original.runId, { rerun: ["right", "publish"] });
    expect(calls).toEqual({ fetch: 1, left: 1, right: 2, join: 2, publish: 2 });
    const thrice = await runner.replay(twice.runId, { rerun: ["join"] });
    expect(thrice.status).toBe("completed");
    expect(calls).toEqual({ fetch: 1, left: 1, right: 2, join: 3, publish: 3 });
    // Copied from a run where they were themselves copied: still skipped, same output.
    const run = (await provenance.getRun(thrice.runId, { values: true })) as RunRecord;
    expect(run.nodes.left).toMatchObject({ status: "skipped", output: 101 });
    expect(run.nodes.right).toMatchObject({ status: "skipped", output: { doubled: 2, day: 5 } });
  });

  it("replays a failed run: the nodes that never completed run too", async () => {
    let broken = true;
    const calls: string[] = [];
    const dag = new Dag();
    dag
      .node(
        (x: number) => {
          calls.push("a");
          return x + 1;
        },
        { label: "a" },
      )
      .to(
        dag.node(
          (x: number) => {
            calls.push("b");
            if (broken) throw new Error("b broke");
            return x * 2;
          },
          { label: "b" },
        ),
      )
      .to(
        dag.node(
          (x: number) => {
            calls.push("c");
            return x - 1;
          },
          { label: "c" },
        ),
      );
    const runner = new DagRunner(dag, { provenance });
    const failed = await runner.run(1);
    expect(failed.status).toBe("failed");
    broken = false;
    const replayed = await runner.replay(failed.runId, { rerun: ["c"] });
    expect(replayed).toMatchObject({ status: "completed", outputs: { c: 3 } });
    expect(calls).toEqual(["a", "b", "b", "c"]);
    expect((await provenance.getRun(failed.runId))?.status).toBe("failed");
  });

  it("uses a chosen run id for the new run", async () => {
    const { dag } = pipeline();
    const runner = new DagRunner(dag, { provenance });
    const original = await runner.run({ base: 1 });
    const replayed = await runner.replay(original.runId, { rerun: ["join"], runId: "replay-1" });
    expect(replayed.runId).toBe("replay-1");
    expect((await provenance.getRun("replay-1"))?.status).toBe("completed");
  });
});

describe("replay refuses", () => {
  it("an unknown label with UnknownLabel listing the known labels, recording nothing", async () => {
    const { dag, calls } = pipeline();
    const runner = new DagRunner(dag, { provenance });
    const original = await runner.run({ base: 1 });
    const error = await rejection(runner.replay(original.runId, { rerun: ["jion"] }));
    expect(error).toBeInstanceOf(UnknownLabel);
    expect(error).toMatchObject({
      label: "jion",
      known: ["fetch", "left", "right", "join", "publish"],
    });
    expect((error as UnknownLabel).message).toContain("jion");
    expect((error as UnknownLabel).message).toContain("fetch, left, right, join, publish");
    expect(calls).toEqual({ fetch: 1, left: 1, right: 1, join: 1, publish: 1 });
    expect(await provenance.getRecentRuns()).toHaveLength(1);
  });

  it("an unknown run with RunNotFound", async () => {
    const runner = new DagRunner(pipeline().dag, { provenance });
    const error = await rejection(runner.replay("nope", { rerun: ["join"] }));
    expect(error).toBeInstanceOf(RunNotFound);
  });

  it("a changed DAG with DagChanged, unless allowChangedDag", async () => {
    const original = await new DagRunner(pipeline().dag, { provenance }).run({ base: 1 });
    const { dag, calls } = pipeline();
    dag.node(() => "extra", { label: "extra" });
    const runner = new DagRunner(dag, { provenance });
    const error = await rejection(runner.replay(original.runId, { rerun: ["publish"] }));
    expect(error).toBeInstanceOf(DagChanged);
    expect((error as DagChanged).changes).toEqual(["node added: extra=function"]);
    const allowed = await runner.replay(original.runId, {
      rerun: ["publish"],
      allowChangedDag: true,
    });
    // `extra` has no recorded output, so it runs too.
    expect(allowed).toMatchObject({
      status: "completed",
      outputs: { publish: "total=108", extra: "extra" },
    });
    expect(calls).toEqual({ publish: 1 });
  });

  it("with typed errors in the Effect form", async () => {
    const { dag } = pipeline();
    const runner = new DagRunner(dag);
    const original = await Effect.runPromise(
      runner.runEffect({ base: 1 }).pipe(Effect.provide(provenance.layer)),
    );
    const unknown = await Effect.runPromise(
      runner
        .replayEffect(original.runId, { rerun: ["nope"] })
        .pipe(Effect.provide(provenance.layer), Effect.either),
    );
    expect(Either.isLeft(unknown) && unknown.left).toBeInstanceOf(UnknownLabel);
    const replayed = await Effect.runPromise(
      runner
        .replayEffect(original.runId, { rerun: ["left"] })
        .pipe(Effect.provide(provenance.layer)),
    );
    expect(replayed).toMatchObject({ status: "completed", outputs: { publish: "total=208" } });
  });
});
