import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Effect, Either } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { DagProvenance, type RunRecord } from "../../src/provenance/DagProvenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import {
  DagChanged,
  DagPause,
  NodeFailed,
  RunNotFound,
  RunNotRestartable,
} from "../../src/run/errors.js";

let dir: string;
let file: string;
const opened: DagProvenance[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-"));
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

/** The rejection of a promise (fails the test if it resolves). */
const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, the promise resolved");
};

/** Counts calls per label; `attempts` keeps the context's attempt of each call. */
const counter = () => {
  const calls: Record<string, number> = {};
  const attempts: Record<string, number[]> = {};
  const count = (ctx: NodeContext) => {
    calls[ctx.nodeLabel] = (calls[ctx.nodeLabel] ?? 0) + 1;
    attempts[ctx.nodeLabel] = [...(attempts[ctx.nodeLabel] ?? []), ctx.attempt];
  };
  return { calls, attempts, count };
};

/**
 * fetch → (prices, volumes) → merge → publish: fan-out, fan-in, and a middle node
 * (`merge`) that fails while `state.broken` is true. `fetch` returns a Date and a Map so
 * that a restart must feed downstream what it decoded from the file.
 */
function marketDag(state: { broken: boolean }, count: (ctx: NodeContext) => void) {
  const dag = new Dag();
  const fetch = dag.node(
    (input: { day: string }, ctx: NodeContext) => {
      count(ctx);
      return { asOf: new Date(`${input.day}T00:00:00.000Z`), raw: new Map([["AAPL", 185]]) };
    },
    { label: "fetch" },
  );
  const prices = dag.node(
    (x: { asOf: Date; raw: Map<string, number> }, ctx: NodeContext) => {
      count(ctx);
      return { asOf: x.asOf, price: x.raw.get("AAPL") ?? 0 };
    },
    { label: "prices" },
  );
  const volumes = dag.node(
    async (x: { asOf: Date; raw: Map<string, number> }, ctx: NodeContext) => {
      count(ctx);
      return x.raw.size * 1000;
    },
    { label: "volumes" },
  );
  const merge = dag.node(
    (x: { p: { asOf: Date; price: number }; v: number }, ctx: NodeContext) => {
      count(ctx);
      if (state.broken) throw new Error("merge: price feed schema changed");
      // Throws unless the stored Date came back as a Date.
      return { day: x.p.asOf.toISOString().slice(0, 10), value: x.p.price * x.v };
    },
    { label: "merge" },
  );
  const publish = dag.node(
    (x: { day: string; value: number }, ctx: NodeContext) => {
      count(ctx);
      return `${x.day}: ${x.value}`;
    },
    { label: "publish" },
  );
  fetch.to(prices);
  fetch.to(volumes);
  prices.to(merge, { as: "p" });
  volumes.to(merge, { as: "v" });
  merge.to(publish);
  return dag;
}

describe("restart after a failure (the issue's 'done when')", () => {
  it("fails at the middle node, then continues in place without repeating finished work", async () => {
    const provenance = open();
    const state = { broken: true };
    const { calls, attempts, count } = counter();
    const runner = new DagRunner(marketDag(state, count), {
      provenance,
      dagNsref: "market:daily",
    });

    const first = await runner.run({ day: "2026-03-02" });
    expect(first.status).toBe("failed");
    expect(first.failedNode).toBe("merge");
    expect(first.error).toBeInstanceOf(NodeFailed);
    expect(calls).toEqual({ fetch: 1, prices: 1, volumes: 1, merge: 1 });

    const failed = (await provenance.getRun(first.runId)) as RunRecord;
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("merge: price feed schema changed");
    expect(failed.nodes.merge).toMatchObject({ status: "failed", attempt: 1 });
    expect(failed.nodes.merge?.error).toBe(
      'Node "merge" failed on attempt 1: merge: price feed schema changed',
    );
    expect(failed.nodes.fetch?.status).toBe("completed");
    expect(failed.nodes.prices?.status).toBe("completed");
    expect(failed.nodes.volumes?.status).toBe("completed");
    expect(failed.nodes.publish?.status).toBe("pending");

    state.broken = false; // "fix the function"
    const second = await runner.restart(first.runId);
    expect(second).toEqual({
      runId: first.runId,
      status: "completed",
      outputs: { publish: "2026-03-02: 185000" },
    });
    // The upstream nodes ran exactly once in all; merge ran twice; publish once.
    expect(calls).toEqual({ fetch: 1, prices: 1, volumes: 1, merge: 2, publish: 1 });
    expect(attempts.merge).toEqual([1, 2]);
    expect(attempts.publish).toEqual([1]);

    const done = (await provenance.getRun(first.runId, { values: true })) as RunRecord;
    expect(done.status).toBe("completed");
    expect(done.error).toBeUndefined();
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(done.outputs).toEqual({ publish: "2026-03-02: 185000" });
    expect(done.nodes.merge).toMatchObject({ status: "completed", attempt: 2, error: undefined });
    expect(done.nodes.fetch).toMatchObject({ status: "completed", attempt: 1 });
    expect(done.nodes.publish).toMatchObject({ status: "completed", attempt: 1 });
    // Still one run: restart continues in place.
    expect((await provenance.getRecentRuns()).map((r) => r.runId)).toEqual([first.runId]);
  });

  it("restarts from another process's view: a new DagProvenance and a new DAG with the same labels", async () => {
    const state = { broken: true };
    const firstCounter = counter();
    const before = open();
    const first = await new DagRunner(marketDag(state, firstCounter.count), {
      provenance: before,
    }).run({ day: "2026-03-03" });
    expect(first.status).toBe("failed");
    before.close();

    const fixed = counter();
    const after = open();
    const result = await new DagRunner(marketDag({ broken: false }, fixed.count), {
      provenance: after,
    }).restart(first.runId);
    expect(result).toMatchObject({
      status: "completed",
      outputs: { publish: "2026-03-03: 185000" },
    });
    expect(fixed.calls).toEqual({ merge: 1, publish: 1 });
    expect(fixed.attempts.merge).toEqual([2]);
  });

  it("reruns a sibling that was interrupted by the failure, at its next attempt", async () => {
    const provenance = open();
    let broken = true;
    const { calls, attempts, count } = counter();
    let slowStarted!: () => void;
    const slowIsRunning = new Promise<void>((resolve) => {
      slowStarted = resolve;
    });
    const dag = new Dag();
    const source = dag.node(
      (_: unknown, ctx: NodeContext) => {
        count(ctx);
        return 2;
      },
      { label: "source" },
    );
    const fast = dag.node(
      async (x: number, ctx: NodeContext) => {
        count(ctx);
        await slowIsRunning;
        if (broken) throw new Error("fast broke");
        return x + 1;
      },
      { label: "fast" },
    );
    const slow = dag.node(
      (x: number, ctx: NodeContext) => {
        count(ctx);
        if (ctx.attempt > 1) return x * 10;
        slowStarted();
        return new Promise<number>(() => {}); // in flight until the failure interrupts it
      },
      { label: "slow" },
    );
    const sink = dag.node(
      (x: { fast: number; slow: number }, ctx: NodeContext) => {
        count(ctx);
        return x.fast + x.slow;
      },
      { label: "sink" },
    );
    source.to(fast);
    source.to(slow);
    fast.to(sink, { as: "fast" });
    slow.to(sink, { as: "slow" });
    const runner = new DagRunner(dag, { provenance });

    const first = await runner.run();
    expect(first.status).toBe("failed");
    const failed = (await provenance.getRun(first.runId)) as RunRecord;
    expect(failed.nodes.fast?.status).toBe("failed");
    expect(failed.nodes.slow?.status).toBe("interrupted");

    broken = false;
    const second = await runner.restart(first.runId);
    expect(second).toMatchObject({ status: "completed", outputs: { sink: 23 } });
    expect(calls).toEqual({ source: 1, fast: 2, slow: 2, sink: 1 });
    expect(attempts).toEqual({ source: [1], fast: [1, 2], slow: [1, 2], sink: [1] });
  });

  it("can fail again on restart, and a later restart still completes", async () => {
    const provenance = open();
    const state = { broken: true };
    const { calls, attempts, count } = counter();
    const runner = new DagRunner(marketDag(state, count), { provenance });
    const first = await runner.run({ day: "2026-03-04" });
    const again = await runner.restart(first.runId);
    expect(again).toMatchObject({ runId: first.runId, status: "failed", failedNode: "merge" });
    expect((await provenance.getRun(first.runId))?.nodes.merge?.attempt).toBe(2);
    state.broken = false;
    const last = await runner.restart(first.runId);
    expect(last.status).toBe("completed");
    expect(attempts.merge).toEqual([1, 2, 3]);
    expect(calls.fetch).toBe(1);
  });
});

describe("what cannot be restarted", () => {
  it("rejects an unknown run with RunNotFound naming it", async () => {
    const runner = new DagRunner(
      marketDag({ broken: false }, () => {}),
      { provenance: open() },
    );
    const error = await rejection(runner.restart("no-such-run"));
    expect(error).toBeInstanceOf(RunNotFound);
    expect(error).toMatchObject({ runId: "no-such-run" });
    expect((error as RunNotFound).message).toContain("no-such-run");
  });

  it("rejects a completed run with RunNotRestartable naming its status, and runs nothing", async () => {
    const provenance = open();
    const { calls, count } = counter();
    const runner = new DagRunner(marketDag({ broken: false }, count), { provenance });
    const done = await runner.run({ day: "2026-03-05" });
    expect(done.status).toBe("completed");
    const callsBefore = { ...calls };

    const error = await rejection(runner.restart(done.runId));
    expect(error).toBeInstanceOf(RunNotRestartable);
    expect(error).toMatchObject({ runId: done.runId, status: "completed" });
    expect((error as RunNotRestartable).message).toContain("completed");
    expect(calls).toEqual(callsBefore);
    expect((await provenance.getRun(done.runId))?.status).toBe("completed");
  });

  it("rejects a restart with the NullProvenance: there is no history to continue", async () => {
    const runner = new DagRunner(marketDag({ broken: true }, () => {}));
    const first = await runner.run({ day: "2026-03-06" });
    expect(first.status).toBe("failed");
    expect(await rejection(runner.restart(first.runId))).toBeInstanceOf(RunNotFound);
  });
});

describe("pause", () => {
  it("ctx.pause(): the run ends paused after the node, and restart continues it", async () => {
    const provenance = open();
    const { calls, count } = counter();
    let askToPause = true;
    const dag = new Dag();
    dag
      .node(
        (x: number, ctx: NodeContext) => {
          count(ctx);
          if (askToPause) ctx.pause();
          return x + 1;
        },
        { label: "prepare" },
      )
      .to(
        dag.node(
          (x: number, ctx: NodeContext) => {
            count(ctx);
            return x * 100;
          },
          { label: "ship" },
        ),
      );
    const runner = new DagRunner(dag, { provenance });
    const first = await runner.run(1);
    expect(first).toMatchObject({ status: "paused", outputs: {} });
    expect(calls).toEqual({ prepare: 1 });
    const paused = (await provenance.getRun(first.runId)) as RunRecord;
    expect(paused.status).toBe("paused");
    expect(paused.nodes.prepare?.status).toBe("completed");
    expect(paused.nodes.ship?.status).toBe("pending");

    askToPause = false;
    const second = await runner.restart(first.runId);
    expect(second).toEqual({ runId: first.runId, status: "completed", outputs: { ship: 200 } });
    expect(calls).toEqual({ prepare: 1, ship: 1 });
  });

  it("throwing DagPause: the node is paused, nodes in flight finish, restart reruns it", async () => {
    const provenance = open();
    const { calls, attempts, count } = counter();
    let approved = false;
    let pausedAlready!: () => void;
    const pauseThrown = new Promise<void>((resolve) => {
      pausedAlready = resolve;
    });
    const dag = new Dag();
    const order = dag.node(
      (_: unknown, ctx: NodeContext) => {
        count(ctx);
        return { id: 9 };
      },
      { label: "order" },
    );
    const approve = dag.node(
      (x: { id: number }, ctx: NodeContext) => {
        count(ctx);
        if (!approved) {
          pausedAlready();
          throw new DagPause({ reason: "waiting for approval" });
        }
        return x.id;
      },
      { label: "approve" },
    );
    // In flight when the pause comes: it finishes (it is not interrupted).
    const pack = dag.node(
      async (x: { id: number }, ctx: NodeContext) => {
        count(ctx);
        await pauseThrown;
        return `box-${x.id}`;
      },
      { label: "pack" },
    );
    const ship = dag.node(
      (x: { approve: number; pack: string }, ctx: NodeContext) => {
        count(ctx);
        return `${x.pack} shipped for order ${x.approve}`;
      },
      { label: "ship" },
    );
    order.to(approve);
    order.to(pack);
    approve.to(ship, { as: "approve" });
    pack.to(ship, { as: "pack" });
    const runner = new DagRunner(dag, { provenance });

    const first = await runner.run();
    expect(first.status).toBe("paused");
    const paused = (await provenance.getRun(first.runId)) as RunRecord;
    expect(paused.status).toBe("paused");
    expect(paused.nodes.approve?.status).toBe("paused");
    expect(paused.nodes.pack?.status).toBe("completed");
    expect(paused.nodes.ship?.status).toBe("pending");
    expect(calls).toEqual({ order: 1, approve: 1, pack: 1 });

    // Still not approved: it pauses again, and stays restartable.
    const stillPaused = await runner.restart(first.runId);
    expect(stillPaused.status).toBe("paused");

    approved = true;
    const done = await runner.restart(first.runId);
    expect(done).toEqual({
      runId: first.runId,
      status: "completed",
      outputs: { ship: "box-9 shipped for order 9" },
    });
    expect(calls).toEqual({ order: 1, approve: 3, pack: 1, ship: 1 });
    expect(attempts.approve).toEqual([1, 2, 3]);
  });
});

describe("a DAG that changed since the run", () => {
  /** a → b, or a → b → c with `extended`. */
  function dagOf(extended: boolean, fail: { now: boolean }) {
    const dag = new Dag();
    const b = dag
      .node((x: number) => x + 1, { label: "a" })
      .to(
        dag.node(
          (x: number) => {
            if (fail.now) throw new Error("b failed");
            return x * 2;
          },
          { label: "b" },
        ),
      );
    if (extended) b.to(dag.node((x: number) => `result ${x}`, { label: "audit" }));
    return dag;
  }

  it("refuses with DagChanged listing the change, and goes ahead with allowChangedDag", async () => {
    const provenance = open();
    const first = await new DagRunner(dagOf(false, { now: true }), { provenance }).run(1);
    expect(first.status).toBe("failed");

    const changed = new DagRunner(dagOf(true, { now: false }), { provenance });
    const error = await rejection(changed.restart(first.runId));
    expect(error).toBeInstanceOf(DagChanged);
    expect((error as DagChanged).changes).toEqual([
      "node added: audit=function",
      "edge added: b->audit",
    ]);
    expect((error as DagChanged).message).toContain("node added: audit=function");
    expect((error as DagChanged).message).toContain("allowChangedDag");
    // Refused before anything ran or was written.
    expect((await provenance.getRun(first.runId))?.status).toBe("failed");

    const result = await changed.restart(first.runId, { allowChangedDag: true });
    expect(result).toMatchObject({
      runId: first.runId,
      status: "completed",
      outputs: { audit: "result 4" },
    });
  });

  it("lists a removed node and a changed edge name", async () => {
    const provenance = open();
    const first = await new DagRunner(dagOf(true, { now: true }), { provenance }).run(1);
    const other = new Dag();
    other
      .node((x: number) => x + 1, { label: "a" })
      .to(
        other.node((x: { input: number }) => x.input * 2, { label: "b" }),
        { as: "input" },
      );
    const error = await rejection(new DagRunner(other, { provenance }).restart(first.runId));
    expect(error).toBeInstanceOf(DagChanged);
    expect([...(error as DagChanged).changes].sort()).toEqual(
      [
        "node removed: audit=function",
        "edge added: a->b:input",
        "edge removed: a->b",
        "edge removed: b->audit",
      ].sort(),
    );
  });

  it("accepts a DAG whose functions changed but whose labels and edges did not", async () => {
    const provenance = open();
    const first = await new DagRunner(dagOf(false, { now: true }), { provenance }).run(1);
    const result = await new DagRunner(dagOf(false, { now: false }), { provenance }).restart(
      first.runId,
    );
    expect(result).toMatchObject({ status: "completed", outputs: { b: 4 } });
  });
});

describe("restartEffect", () => {
  it("fails with typed errors in the error channel", async () => {
    const provenance = open();
    const state = { broken: true };
    const runner = new DagRunner(marketDag(state, () => {}));
    const run = (effect: ReturnType<DagRunner["restartEffect"]>) =>
      Effect.runPromise(effect.pipe(Effect.provide(provenance.layer), Effect.either));

    const notFound = await run(runner.restartEffect("missing"));
    expect(Either.isLeft(notFound) && notFound.left).toBeInstanceOf(RunNotFound);

    const failed = await Effect.runPromise(
      runner.runEffect({ day: "2026-03-09" }).pipe(Effect.provide(provenance.layer), Effect.either),
    );
    // The Effect form fails with the node's error; the run id is in the history.
    expect(Either.isLeft(failed) && failed.left._tag).toBe("NodeFailed");
    const [recorded] = await provenance.getRecentRuns({ status: "failed" });
    const runId = (recorded as RunRecord).runId;

    const stillBroken = await run(runner.restartEffect(runId));
    expect(Either.isLeft(stillBroken) && stillBroken.left._tag).toBe("NodeFailed");

    const otherDag = new Dag();
    otherDag.node(() => 1, { label: "other" });
    const changed = new DagRunner(otherDag);
    const refused = await run(changed.restartEffect(runId));
    expect(Either.isLeft(refused) && refused.left).toBeInstanceOf(DagChanged);

    state.broken = false;
    const done = await run(runner.restartEffect(runId));
    expect(Either.isRight(done) && done.right).toMatchObject({
      runId,
      status: "completed",
      outputs: { publish: "2026-03-09: 185000" },
    });

    const notRestartable = await run(runner.restartEffect(runId));
    expect(Either.isLeft(notRestartable) && notRestartable.left).toBeInstanceOf(RunNotRestartable);
    expect(Either.isLeft(notRestartable) && notRestartable.left).toMatchObject({
      status: "completed",
    });
  });

  it("works with DagProvenance.layer(path), the scoped Effect form", async () => {
    const state = { broken: true };
    const { calls, count } = counter();
    const runner = new DagRunner(marketDag(state, count));
    const layer = DagProvenance.layer(file);
    const failed = await Effect.runPromise(
      runner.runEffect({ day: "2026-03-10" }).pipe(Effect.provide(layer), Effect.either),
    );
    expect(Either.isLeft(failed)).toBe(true);
    const runId = (await open().getRecentRuns())[0]?.runId as string;
    state.broken = false;
    const done = await Effect.runPromise(runner.restartEffect(runId).pipe(Effect.provide(layer)));
    expect(done).toMatchObject({ runId, status: "completed" });
    expect(calls.fetch).toBe(1);
  });
});
