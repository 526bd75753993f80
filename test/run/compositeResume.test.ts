import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Effect } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { DagProvenance, type RunRecord } from "../../src/provenance/DagProvenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";

let dir: string;
let file: string;
const opened: DagProvenance[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-composite-"));
  file = path.join(dir, "runs.db");
});
afterEach(() => {
  for (const provenance of opened.splice(0)) provenance.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A DagProvenance on the test's file that afterEach closes. */
const open = () => {
  const provenance = new DagProvenance(file);
  opened.push(provenance);
  return provenance;
};

/** Counts calls by name; `attempts` keeps each call's context attempt. */
function counter() {
  const calls: Record<string, number> = {};
  const attempts: Record<string, number[]> = {};
  const count = (name: string, ctx: NodeContext) => {
    calls[name] = (calls[name] ?? 0) + 1;
    attempts[name] = [...(attempts[name] ?? []), ctx.attempt];
  };
  return { calls, attempts, count };
}

/** Waits until `condition` holds, failing loudly instead of hanging the test. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (await condition()) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`${what} did not happen`);
}

const keysOf = (runs: readonly RunRecord[]) => runs.map((run) => run.expansionKey);

/**
 * chunks → each (map of prep → work): `work` fails for the chunks in `state.broken`.
 * Every call is counted as `node:chunk`.
 */
function chunkPipeline(
  state: { broken: Set<string> },
  count: (name: string, ctx: NodeContext) => void,
  options: { concurrency?: number } = {},
) {
  const perChunk = new Dag<string, number>();
  perChunk
    .node(
      (chunk: string, ctx: NodeContext) => {
        count(`prep:${chunk}`, ctx);
        return chunk.trim();
      },
      { label: "prep" },
    )
    .to(
      perChunk.node(
        (chunk: string, ctx: NodeContext) => {
          count(`work:${chunk}`, ctx);
          if (state.broken.has(chunk)) throw new Error(`cannot count ${chunk}`);
          return chunk.split(" ").length;
        },
        { label: "work" },
      ),
    );
  const dag = new Dag();
  dag
    .node(
      (_: unknown, ctx: NodeContext) => {
        count("chunks", ctx);
        return ["a", "b c", "d e f", "g h i j"];
      },
      { label: "chunks" },
    )
    .to(dag.map(perChunk, { label: "each", ...options }))
    .to(
      dag.node((counts: number[]) => counts.reduce((a, b) => a + b, 0), {
        label: "total",
      }),
    );
  return dag;
}

describe("child runs in the history", () => {
  it("records each element as a child run keyed label[i], with parent_run_id", async () => {
    const provenance = open();
    const { count } = counter();
    const dag = chunkPipeline({ broken: new Set() }, count);
    const result = await new DagRunner(dag, { provenance, dagNsref: "p:words" }).run();
    expect(result).toMatchObject({ status: "completed", outputs: { total: 10 } });
    const children = await provenance.getChildRuns(result.runId);
    expect([...keysOf(children)].sort()).toEqual(["each[0]", "each[1]", "each[2]", "each[3]"]);
    for (const child of children) {
      expect(child.parentRunId).toBe(result.runId);
      expect(child.status).toBe("completed");
      expect(child.dagNsref).toBe("each");
      expect(Object.keys(child.nodes)).toEqual(["prep", "work"]);
    }
    const fourth = children.find((c) => c.expansionKey === "each[3]") as RunRecord;
    const record = (await provenance.getRun(fourth.runId, { values: true })) as RunRecord;
    expect(record.input).toBe("g h i j");
    expect(record.outputs).toEqual({ work: 4 });
    // The parent's map node holds the whole list.
    const parent = (await provenance.getRun(result.runId, { values: true })) as RunRecord;
    expect(parent.nodes.each?.output).toEqual([1, 2, 3, 4]);
  });

  it("keys a call node's run by its label and a switch's by label:branch", async () => {
    const provenance = open();
    const enrich = new Dag<number, number>();
    enrich.node((n: number) => n + 1, { label: "plus" });
    const dag = new Dag();
    dag
      .node(() => 1, { label: "one" })
      .to(dag.node(enrich, { label: "enrich" }))
      .to(dag.node((n: number) => ["odd", n] as const, { label: "classify" }))
      .to(
        dag.switch({ even: (n: number) => n / 2, odd: (n: number) => n * 3 }, { label: "route" }),
      );
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.outputs).toEqual({ route: 6 });
    const children = await provenance.getChildRuns(result.runId);
    expect(keysOf(children)).toEqual(["enrich", "route:odd"]);
    // A function branch runs as a one-node sub-DAG whose node is the branch's label.
    expect(Object.keys((children[1] as RunRecord).nodes)).toEqual(["odd"]);
  });

  it("keys a map-switch element label[i]:branch", async () => {
    const provenance = open();
    const dag = new Dag();
    dag
      .node(() => [["a", 1], { __switch__: "b", n: 2 }, ["a", 3]] as const, { label: "items" })
      .to(
        dag.map(dag.switch({ a: (n: number) => n, b: (x: { n: number }) => x.n * 10 }), {
          label: "routed",
        }),
      );
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.outputs).toEqual({ routed: [1, 20, 3] });
    const children = await provenance.getChildRuns(result.runId);
    expect([...keysOf(children)].sort()).toEqual(["routed[0]:a", "routed[1]:b", "routed[2]:a"]);
  });

  it("keys an object element by its quoted key", async () => {
    const provenance = open();
    const double = new Dag<number, number>();
    double.node((n: number) => n * 2, { label: "double" });
    const dag = new Dag();
    dag
      .node(() => ({ eu: 1, us: 2 }), { label: "regions" })
      .to(dag.map(double, { label: "each", keyed: true }));
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.outputs).toEqual({ each: { eu: 2, us: 4 } });
    expect([...keysOf(await provenance.getChildRuns(result.runId))].sort()).toEqual([
      'each["eu"]',
      'each["us"]',
    ]);
  });

  it("records no child run for an empty array", async () => {
    const provenance = open();
    const sub = new Dag<number, number>();
    sub.node((n: number) => n, { label: "x" });
    const dag = new Dag();
    dag.node(() => [], { label: "none" }).to(dag.map(sub, { label: "each" }));
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result).toMatchObject({ status: "completed", outputs: { each: [] } });
    expect(await provenance.getChildRuns(result.runId)).toEqual([]);
    expect(provenance.store.get("count", "SELECT count(*) AS n FROM dag_runs")).toEqual({ n: 1 });
  });

  it("returns grandchildren too, depth first: a map whose sub-DAG calls another", async () => {
    const provenance = open();
    const inner = new Dag<number, number>();
    inner.node((n: number) => n * 10, { label: "times10" });
    const perItem = new Dag<number, number>();
    perItem
      .node((n: number) => n + 1, { label: "plus1" })
      .to(perItem.node(inner, { label: "deep" }));
    const dag = new Dag();
    dag
      .node(() => [1, 2], { label: "items" })
      .to(dag.map(perItem, { label: "each", concurrency: 1 }));
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.outputs).toEqual({ each: [20, 30] });
    const runs = await provenance.getChildRuns(result.runId);
    expect(keysOf(runs)).toEqual(["each[0]", "deep", "each[1]", "deep"]);
    expect(runs[1]?.parentRunId).toBe(runs[0]?.runId);
    expect(runs[3]?.parentRunId).toBe(runs[2]?.runId);
  });

  it("records a map's children through DagProvenance.layer in the Effect form", async () => {
    const sub = new Dag<number, number>();
    sub.node((n: number) => n + 1, { label: "inc" });
    const dag = new Dag();
    dag.node(() => [1, 2, 3], { label: "items" }).to(dag.map(sub, { label: "each" }));
    const result = await Effect.runPromise(
      new DagRunner(dag).runEffect().pipe(Effect.provide(DagProvenance.layer(file))),
    );
    expect(result.outputs).toEqual({ each: [2, 3, 4] });
    const children = await open().getChildRuns(result.runId);
    expect(children.map((c) => c.status)).toEqual(["completed", "completed", "completed"]);
  });
});

describe("restart after a failed element", () => {
  it("re-runs the failed element only, inside its child run, and nothing completed", async () => {
    const provenance = open();
    const state = { broken: new Set(["d e f"]) };
    const { calls, attempts, count } = counter();
    const runner = new DagRunner(chunkPipeline(state, count), { provenance });
    const first = await runner.run();
    expect(first.status).toBe("failed");
    expect(first.failedNode).toBe("each");
    expect(first.error).toMatchObject({ _tag: "NodeFailed", element: 2 });
    const before = await provenance.getChildRuns(first.runId);
    const failedChild = before.find((c) => c.expansionKey === "each[2]") as RunRecord;
    expect(failedChild.status).toBe("failed");
    expect(failedChild.nodes.prep?.status).toBe("completed");
    expect(failedChild.nodes.work?.status).toBe("failed");
    expect((first.error as { childRunId?: string }).childRunId).toBe(failedChild.runId);

    const snapshot = { ...calls };
    state.broken.clear();
    const again = await runner.restart(first.runId);
    expect(again).toMatchObject({
      runId: first.runId,
      status: "completed",
      outputs: { total: 10 },
    });
    // Only the failed element's failed node ran again: no upstream, no other element,
    // not even the failed element's completed `prep`.
    const ranAgain = Object.fromEntries(
      Object.entries(calls)
        .map(([name, n]) => [name, n - (snapshot[name] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    expect(ranAgain).toEqual({ "work:d e f": 1 });
    expect(attempts["work:d e f"]).toEqual([1, 2]);

    // Same child runs, the failed one continued in place.
    const after = await provenance.getChildRuns(first.runId);
    expect(after.map((c) => c.runId).sort()).toEqual(before.map((c) => c.runId).sort());
    expect(after.every((c) => c.status === "completed")).toBe(true);
    const record = (await provenance.getRun(failedChild.runId)) as RunRecord;
    expect(record.nodes.work?.attempt).toBe(2);
    expect(record.nodes.prep?.attempt).toBe(1);
    const parent = (await provenance.getRun(first.runId)) as RunRecord;
    expect(parent.nodes.each?.attempt).toBe(2);
  });

  it("starts the elements that never started (concurrency 1 stopped at the failure)", async () => {
    const provenance = open();
    const state = { broken: new Set(["b c"]) };
    const { calls, count } = counter();
    const runner = new DagRunner(chunkPipeline(state, count, { concurrency: 1 }), { provenance });
    const first = await runner.run();
    expect(first.error).toMatchObject({ _tag: "NodeFailed", element: 1 });
    expect(keysOf(await provenance.getChildRuns(first.runId))).toEqual(["each[0]", "each[1]"]);
    expect(calls["prep:d e f"]).toBeUndefined();

    state.broken.clear();
    expect((await runner.restart(first.runId)).outputs).toEqual({ total: 10 });
    expect(calls).toMatchObject({
      chunks: 1,
      "prep:a": 1,
      "work:a": 1,
      "prep:b c": 1,
      "work:b c": 2,
      "prep:d e f": 1,
      "prep:g h i j": 1,
    });
    expect(keysOf(await provenance.getChildRuns(first.runId))).toEqual([
      "each[0]",
      "each[1]",
      "each[2]",
      "each[3]",
    ]);
  });

  it("reuses completed elements when the map node's own retry runs it again", async () => {
    const provenance = open();
    let failures = 1;
    const { calls, count } = counter();
    const sub = new Dag<number, number>();
    sub.node(
      (n: number, ctx: NodeContext) => {
        count(`work:${n}`, ctx);
        if (n === 2 && failures-- > 0) throw new Error("transient");
        return n * 10;
      },
      { label: "work" },
    );
    const dag = new Dag();
    dag
      .node(() => [1, 2, 3], { label: "items" })
      .to(dag.map(sub, { label: "each", concurrency: 1, retry: { attempts: 2, backoffMs: 0 } }));
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.outputs).toEqual({ each: [10, 20, 30] });
    expect(calls).toEqual({ "work:1": 1, "work:2": 2, "work:3": 1 });
    expect(keysOf(await provenance.getChildRuns(result.runId))).toEqual([
      "each[0]",
      "each[1]",
      "each[2]",
    ]);
  });

  it("re-runs a switch's failed branch in place on restart", async () => {
    const provenance = open();
    let broken = true;
    const { calls, count } = counter();
    const slow = new Dag<number, number>();
    slow
      .node(
        (n: number, ctx: NodeContext) => {
          count("first", ctx);
          return n + 1;
        },
        { label: "first" },
      )
      .to(
        slow.node(
          (n: number, ctx: NodeContext) => {
            count("second", ctx);
            if (broken) throw new Error("down");
            return n * 2;
          },
          { label: "second" },
        ),
      );
    const dag = new Dag();
    dag
      .node(() => ["slow", 1] as const, { label: "pick" })
      .to(dag.switch({ slow }, { label: "route" }));
    const runner = new DagRunner(dag, { provenance });
    const first = await runner.run();
    expect(first.status).toBe("failed");
    broken = false;
    expect((await runner.restart(first.runId)).outputs).toEqual({ route: 4 });
    expect(calls).toEqual({ first: 1, second: 2 });
    const children = await provenance.getChildRuns(first.runId);
    expect(children.map((c) => [c.expansionKey, c.status])).toEqual([["route:slow", "completed"]]);
  });

  it("runs completed elements again when the sub-DAG's shape changed since", async () => {
    const provenance = open();
    const state = { broken: new Set(["b c"]) };
    const { count } = counter();
    const dag = chunkPipeline(state, count);
    const first = await new DagRunner(dag, { provenance }).run();
    expect(first.status).toBe("failed");
    const before = await provenance.getChildRuns(first.runId);

    // A node added to the sub-DAG (its only sink moves): old outputs may not fit.
    const each = dag.get("each");
    if (each?.spec.kind !== "map" || each.spec.over.kind !== "dag") throw new Error("no map");
    const perChunk = each.spec.over.ref.dag as Dag;
    perChunk.get("work")?.to(perChunk.node((n: number) => n * 100, { label: "scale" }));
    state.broken.clear();
    const again = await new DagRunner(dag, { provenance }).restart(first.runId);
    expect(again.outputs).toEqual({ total: 1000 });
    const after = await provenance.getChildRuns(first.runId);
    // The old children stay in the history; each key has a new run.
    expect(after).toHaveLength(before.length + 4);
    const fresh = after.filter((c) => !before.some((b) => b.runId === c.runId));
    expect([...keysOf(fresh)].sort()).toEqual(["each[0]", "each[1]", "each[2]", "each[3]"]);
    expect(fresh.every((c) => Object.keys(c.nodes).includes("scale"))).toBe(true);
  });
});

describe("interruption and crash inside children", () => {
  /** items → each (map of first → blocker): `blocker` waits for its signal while `hold`. */
  function blockingPipeline(hold: { value: boolean }, count: (n: string, c: NodeContext) => void) {
    const sub = new Dag<number, number>();
    sub
      .node(
        (n: number, ctx: NodeContext) => {
          count(`first:${n}`, ctx);
          return n;
        },
        { label: "first" },
      )
      .to(
        sub.node(
          (n: number, ctx: NodeContext) => {
            count(`blocker:${n}`, ctx);
            // Element 0 finishes; the others wait until interrupted while `hold`.
            if (n === 0 || !hold.value) return n * 10;
            return new Promise<number>((_, reject) =>
              ctx.signal.addEventListener("abort", () => reject(new Error("aborted"))),
            );
          },
          { label: "blocker" },
        ),
      );
    const dag = new Dag();
    dag.node(() => [0, 1, 2], { label: "items" }).to(dag.map(sub, { label: "each" }));
    return dag;
  }

  it("records every child interrupted with the parent, and a restart resumes them in place", async () => {
    const provenance = open();
    const hold = { value: true };
    const { calls, attempts, count } = counter();
    const runner = new DagRunner(blockingPipeline(hold, count), { provenance });
    const controller = new AbortController();
    const run = runner.run(undefined, { signal: controller.signal, runId: "parent" });
    await until(() => calls["blocker:1"] === 1 && calls["blocker:2"] === 1, "two blocked children");
    await until(() => calls["blocker:0"] === 1, "the free child");
    controller.abort();
    expect((await run).status).toBe("interrupted");
    // The children record their ends as they unwind, possibly after the parent's.
    let children: readonly RunRecord[] = [];
    await until(async () => {
      children = await provenance.getChildRuns("parent");
      return children.length === 3 && children.every((c) => c.status !== "running");
    }, "every child's end on record");
    const byKey = Object.fromEntries(children.map((c) => [c.expansionKey, c]));
    expect(byKey["each[1]"]?.status).toBe("interrupted");
    expect(byKey["each[2]"]?.status).toBe("interrupted");
    expect(byKey["each[1]"]?.nodes.blocker?.status).toBe("interrupted");

    hold.value = false;
    const again = await runner.restart("parent");
    expect(again.outputs).toEqual({ each: [0, 10, 20] });
    // Nothing completed ran again; only the cut-off nodes, with a higher attempt.
    expect(calls).toEqual({
      "first:0": 1,
      "blocker:0": 1,
      "first:1": 1,
      "blocker:1": 2,
      "first:2": 1,
      "blocker:2": 2,
    });
    expect(attempts["blocker:1"]).toEqual([1, 2]);
    const after = await provenance.getChildRuns("parent");
    expect(after.map((c) => c.runId).sort()).toEqual(children.map((c) => c.runId).sort());
  });

  it("resumes children left `running` by a crash when the parent is resumed", async () => {
    const provenance = open();
    const hold = { value: true };
    const { calls, attempts, count } = counter();
    const dag = blockingPipeline(hold, count);
    const controller = new AbortController();
    const run = new DagRunner(dag, { provenance }).run(undefined, {
      signal: controller.signal,
      runId: "crashed",
    });
    await until(() => calls["blocker:1"] === 1 && calls["blocker:2"] === 1, "blocked children");
    controller.abort();
    await run;
    await until(
      () =>
        provenance.store.get<{ n: number }>(
          "count",
          "SELECT count(*) AS n FROM dag_runs WHERE status = 'running'",
        )?.n === 0,
      "every end on record",
    );
    // What a SIGKILL leaves behind: runs and the nodes in flight still marked running.
    provenance.store.run(
      "crash",
      "UPDATE dag_runs SET status = 'running', finished_at = NULL WHERE status = 'interrupted'",
    );
    provenance.store.run(
      "crash",
      "UPDATE node_executions SET status = 'running', finished_at = NULL WHERE status = 'interrupted'",
    );

    hold.value = false;
    const resumed = await new DagRunner(dag, { provenance }).restart("crashed", {
      allowRunning: true,
    });
    expect(resumed).toMatchObject({ status: "completed", outputs: { each: [0, 10, 20] } });
    expect(calls).toMatchObject({ "first:1": 1, "first:2": 1, "blocker:0": 1, "blocker:1": 2 });
    expect(attempts["blocker:2"]).toEqual([1, 2]);
    expect(await provenance.findUnfinishedRuns()).toEqual([]);
    expect(await provenance.getChildRuns("crashed")).toHaveLength(3);
  });

  it("pauses the parent when a child pauses, and a restart finishes that child", async () => {
    const provenance = open();
    let pause = true;
    const { calls, count } = counter();
    const sub = new Dag<number, number>();
    sub
      .node(
        (n: number, ctx: NodeContext) => {
          count(`ask:${n}`, ctx);
          if (n === 1 && pause) ctx.pause();
          return n;
        },
        { label: "ask" },
      )
      .to(
        sub.node(
          (n: number, ctx: NodeContext) => {
            count(`act:${n}`, ctx);
            return n + 100;
          },
          { label: "act" },
        ),
      );
    const dag = new Dag();
    dag
      .node(() => [0, 1, 2], { label: "items" })
      .to(dag.map(sub, { label: "each", concurrency: 1 }));
    const runner = new DagRunner(dag, { provenance });
    const first = await runner.run();
    expect(first.status).toBe("paused");
    const paused = await provenance.getChildRuns(first.runId);
    expect(paused.map((c) => [c.expansionKey, c.status])).toEqual([
      ["each[0]", "completed"],
      ["each[1]", "paused"],
    ]);
    pause = false;
    expect((await runner.restart(first.runId)).outputs).toEqual({ each: [100, 101, 102] });
    expect(calls).toEqual({
      "ask:0": 1,
      "act:0": 1,
      "ask:1": 1,
      "act:1": 1,
      "ask:2": 1,
      "act:2": 1,
    });
  });
});
