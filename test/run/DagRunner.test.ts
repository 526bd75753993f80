import { it as effectIt } from "@effect/vitest";
import { Effect, Either, Exit, Fiber, Layer, Schema, TestClock } from "effect";
import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { DagCycle, EmptyDag, ForeignEdge } from "../../src/dag/errors.js";
import type { NamespaceLike, NodeContext } from "../../src/dag/NodeContext.js";
import { NullProvenance } from "../../src/provenance/NullProvenance.js";
import {
  type NodeCompletion,
  type NodeStart,
  Provenance,
  type ProvenanceService,
  type RunEnd,
  type RunStart,
} from "../../src/provenance/Provenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import {
  DagPause,
  InputInvalid,
  MissingInput,
  type NodeError,
  NodeFailed,
  NodeTimedOut,
  OutputInvalid,
} from "../../src/run/errors.js";

// ---------------------------------------------------------------------------
// Helpers

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Waits for `promise`, failing loudly (instead of hanging the test) if it never settles. */
function within<T>(promise: Promise<T>, what: string, ms = 2_000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms),
    ),
  ]);
}

/** One macrotask: lets other nodes run. */
const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A node body that only ends when its signal aborts: it records the abort and then
 * rejects, as a well-behaved I/O call would.
 */
function untilAborted(ctx: NodeContext, onAbort: () => void, started?: () => void) {
  return new Promise<never>((_, reject) => {
    ctx.signal.addEventListener("abort", () => {
      onAbort();
      reject(new Error("aborted"));
    });
    started?.();
  });
}

type Commit =
  | { readonly kind: "runStarted"; readonly run: RunStart; readonly starting: readonly NodeStart[] }
  | { readonly kind: "runResumed"; readonly starting: readonly NodeStart[] }
  | { readonly kind: "nodesStarted"; readonly starting: readonly NodeStart[] }
  | {
      readonly kind: "nodeCompleted";
      readonly done: NodeCompletion;
      readonly starting: readonly NodeStart[];
    }
  | { readonly kind: "runFinished"; readonly end: RunEnd };

/** A Provenance that records every commit in an array. */
function recordingProvenance() {
  const commits: Commit[] = [];
  const record = (commit: Commit) => Effect.sync(() => void commits.push(commit));
  const service: ProvenanceService = {
    runStarted: (run, starting) => record({ kind: "runStarted", run, starting }),
    runResumed: (_runId, starting) => record({ kind: "runResumed", starting }),
    nodesStarted: (_runId, starting) => record({ kind: "nodesStarted", starting }),
    nodeCompleted: (_runId, done, starting) => record({ kind: "nodeCompleted", done, starting }),
    runFinished: (_runId, end) => record({ kind: "runFinished", end }),
    loadRunState: () => Effect.succeed(undefined),
  };
  const of = <K extends Commit["kind"]>(kind: K) =>
    commits.filter((c): c is Extract<Commit, { kind: K }> => c.kind === kind);
  return { commits, of, layer: Layer.succeed(Provenance, service) };
}

const startLabels = (starting: readonly NodeStart[]) => starting.map((s) => s.label);

/** The run's error, asserting that it failed. */
function failure(result: { readonly status: string; readonly error?: unknown }): NodeError {
  expect(result.status).toBe("failed");
  expect(result.error).toBeDefined();
  return result.error as NodeError;
}

function chain3() {
  const dag = new Dag();
  dag
    .node((n: number) => n + 1, { label: "a" })
    .to(dag.node((n: number) => n * 10, { label: "b" }))
    .to(dag.node((n: number) => `=${n}`, { label: "c" }));
  return dag;
}

// ---------------------------------------------------------------------------

describe("DagRunner: sync and async nodes", () => {
  it("runs a sync node", async () => {
    const dag = new Dag();
    dag.node((x: { n: number }) => x.n * 2, { label: "double" });
    const result = await new DagRunner(dag).run({ n: 21 });
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ double: 42 });
  });

  it("runs an async node", async () => {
    const dag = new Dag();
    dag.node(
      async (x: { n: number }) => {
        await tick();
        return x.n + 1;
      },
      { label: "inc" },
    );
    expect((await new DagRunner(dag).run({ n: 1 })).outputs).toEqual({ inc: 2 });
  });

  it("mixes sync and async nodes in one chain", async () => {
    const dag = new Dag();
    dag
      .node(async () => 2, { label: "a" })
      .to(dag.node((n: number) => n * 3, { label: "b" }))
      .to(dag.node(async (n: number) => n + 1, { label: "c" }));
    expect((await new DagRunner(dag).run()).outputs).toEqual({ c: 7 });
  });

  it("returns a completed result with a runId and only sink outputs", async () => {
    const result = await new DagRunner(chain3()).run(1);
    expect(result).toEqual({ runId: result.runId, status: "completed", outputs: { c: "=20" } });
    expect(result.runId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("uses the runId it is given", async () => {
    const result = await new DagRunner(chain3()).run(1, { runId: "run-42" });
    expect(result.runId).toBe("run-42");
  });

  it("gives every run its own runId", async () => {
    const runner = new DagRunner(chain3());
    const [a, b] = await Promise.all([runner.run(1), runner.run(1)]);
    expect(a.runId).not.toBe(b.runId);
  });

  it("runs through the dag.run(input) shortcut", async () => {
    const result = await chain3().run(4);
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ c: "=50" });
  });
});

describe("DagRunner: a DAG built further after the runner was made", () => {
  it("runs nodes added after the runner was constructed", async () => {
    const dag = new Dag();
    dag.node(() => 1, { label: "a" });
    const runner = new DagRunner(dag);
    dag.node(() => 2, { label: "b" });
    const result = await runner.run();
    expect(result).toMatchObject({ status: "completed", outputs: { a: 1, b: 2 } });
  });

  it("runs a DAG that was still empty when the runner was constructed", async () => {
    const dag = new Dag();
    const runner = new DagRunner(dag);
    dag.node(() => 1, { label: "a" }).to(dag.node((n: number) => n + 1, { label: "b" }));
    await expect(runner.run()).resolves.toMatchObject({ status: "completed", outputs: { b: 2 } });
  });

  it("rejects with the DAG's problem when it became invalid after construction", async () => {
    const dag = new Dag();
    const a = dag.node((n: number) => n, { label: "a" });
    const runner = new DagRunner(dag);
    a.to(a);
    await expect(runner.run()).rejects.toBeInstanceOf(DagCycle);
  });
});

describe("DagRunner: input wiring", () => {
  it("calls a source node with the run's input object itself", async () => {
    const input = { symbol: "AAPL" };
    let seen: unknown;
    const dag = new Dag();
    dag.node(
      (x: unknown) => {
        seen = x;
      },
      { label: "source" },
    );
    await dag.run(input);
    expect(seen).toBe(input);
  });

  it("calls every source with the run's input", async () => {
    const seen: unknown[] = [];
    const dag = new Dag();
    dag.node((x: unknown) => void seen.push(x), { label: "s1" });
    dag.node((x: unknown) => void seen.push(x), { label: "s2" });
    await dag.run("payload");
    expect(seen).toEqual(["payload", "payload"]);
  });

  it("calls a node with one upstream with that upstream's output", async () => {
    const output = { prices: [1, 2] };
    let seen: unknown;
    const dag = new Dag();
    dag
      .node(() => output, { label: "a" })
      .to(
        dag.node(
          (x: unknown) => {
            seen = x;
          },
          { label: "b" },
        ),
      );
    await dag.run();
    expect(seen).toBe(output);
  });

  it("gives both fan-out branches the same output", async () => {
    const seen: Record<string, unknown> = {};
    const dag = new Dag();
    const a = dag.node(() => ({ v: 1 }), { label: "a" });
    a.to(
      dag.node(
        (x: { v: number }) => {
          seen.b = x;
        },
        { label: "b" },
      ),
    );
    a.to(
      dag.node(
        (x: { v: number }) => {
          seen.c = x;
        },
        { label: "c" },
      ),
    );
    await dag.run();
    expect(seen.b).toEqual({ v: 1 });
    expect(seen.c).toBe(seen.b);
  });

  it("calls a fan-in node with an object keyed by upstream label", async () => {
    let seen: unknown;
    const dag = new Dag();
    const d = dag.node(
      (x: unknown) => {
        seen = x;
      },
      { label: "d" },
    );
    dag.node(() => 1, { label: "left" }).to(d, {});
    dag.node(() => "two", { label: "right" }).to(d, {});
    await dag.run();
    expect(seen).toEqual({ left: 1, right: "two" });
  });

  it("keys a fan-in input by the edge's `as` name", async () => {
    let seen: unknown;
    const dag = new Dag();
    const d = dag.node(
      (x: unknown) => {
        seen = x;
      },
      { label: "d" },
    );
    dag.node(() => 1, { label: "a" }).to(d, { as: "prices" });
    dag.node(() => 2, { label: "b" }).to(d, { as: "volumes" });
    dag.node(() => 3, { label: "c" }).to(d, {});
    await dag.run();
    expect(seen).toEqual({ prices: 1, volumes: 2, c: 3 });
  });

  it("wraps a single upstream's output under its `as` name", async () => {
    let seen: unknown;
    const dag = new Dag();
    dag
      .node(() => 5, { label: "a" })
      .to(
        dag.node(
          (x: unknown) => {
            seen = x;
          },
          { label: "b" },
        ),
        { as: "count" },
      );
    await dag.run();
    expect(seen).toEqual({ count: 5 });
  });

  it("waits for every upstream of a fan-in node", async () => {
    let seen: unknown;
    const dag = new Dag();
    const d = dag.node(
      (x: unknown) => {
        seen = x;
      },
      { label: "d" },
    );
    dag
      .node(
        async () => {
          await tick(10);
          return "slow";
        },
        { label: "slow" },
      )
      .to(d, {});
    dag.node(() => "fast", { label: "fast" }).to(d, {});
    await dag.run();
    expect(seen).toEqual({ slow: "slow", fast: "fast" });
  });

  it("matches a source's input keys to its schema's fields and decodes them", async () => {
    let seen: unknown;
    const dag = new Dag();
    dag.node(
      (x: unknown) => {
        seen = x;
      },
      {
        label: "source",
        input: Schema.Struct({ symbol: Schema.String, qty: Schema.NumberFromString }),
      },
    );
    const result = await dag.run({ symbol: "AAPL", qty: "3", extra: true });
    expect(result.status).toBe("completed");
    expect(seen).toEqual({ symbol: "AAPL", qty: 3 });
  });
});

describe("DagRunner: node context", () => {
  it("passes runId, nodeLabel, dagNsref, attempt, signal and namespace", async () => {
    const namespace: NamespaceLike = {
      get: (nsref) => ({ nsref, call: async () => "called" }),
    };
    const seen: NodeContext[] = [];
    const dag = new Dag();
    dag
      .node((_: unknown, ctx: NodeContext) => seen.push(ctx), { label: "first" })
      .to(dag.node((_: unknown, ctx: NodeContext) => void seen.push(ctx), { label: "second" }));
    const runner = new DagRunner(dag, { dagNsref: "pipelines:ctx", namespace });
    const result = await runner.run({}, { runId: "run-ctx" });
    expect(result.status).toBe("completed");
    expect(seen.map((ctx) => ctx.nodeLabel)).toEqual(["first", "second"]);
    for (const ctx of seen) {
      expect(ctx.runId).toBe("run-ctx");
      expect(ctx.dagNsref).toBe("pipelines:ctx");
      expect(ctx.attempt).toBe(1);
      expect(ctx.signal).toBeInstanceOf(AbortSignal);
      expect(ctx.signal.aborted).toBe(false);
      expect(ctx.namespace).toBe(namespace);
      expect(typeof ctx.pause).toBe("function");
    }
    // Each node gets its own signal: one node's abort does not leak into another's.
    expect(seen[0]?.signal).not.toBe(seen[1]?.signal);
  });

  it("gives the runId of the result to the nodes", async () => {
    let runId: string | undefined;
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) => {
        runId = ctx.runId;
      },
      { label: "a" },
    );
    const result = await dag.run();
    expect(runId).toBe(result.runId);
  });

  it("leaves dagNsref and namespace undefined when the runner has none", async () => {
    let ctx: NodeContext | undefined;
    const dag = new Dag();
    dag.node(
      (_: unknown, c: NodeContext) => {
        ctx = c;
      },
      { label: "a" },
    );
    await new DagRunner(dag).run();
    expect(ctx?.dagNsref).toBeUndefined();
    expect(ctx?.namespace).toBeUndefined();
  });
});

describe("DagRunner: concurrency", () => {
  it("runs independent branches at the same time: the second starts before the first ends", async () => {
    const log: string[] = [];
    const secondStarted = deferred();
    const dag = new Dag();
    dag.node(
      async () => {
        log.push("first:start");
        await within(secondStarted.promise, "the second branch's start");
        log.push("first:end");
      },
      { label: "first" },
    );
    dag.node(
      async () => {
        log.push("second:start");
        secondStarted.resolve();
        await tick();
        log.push("second:end");
      },
      { label: "second" },
    );
    const result = await dag.run();
    expect(result.status).toBe("completed");
    expect(log.indexOf("second:start")).toBeLessThan(log.indexOf("first:end"));
    expect(log).toEqual(["first:start", "second:start", "first:end", "second:end"]);
  });

  it("starts a node as soon as its own upstreams finish, while another branch still runs", async () => {
    const log: string[] = [];
    const downstreamStarted = deferred();
    const dag = new Dag();
    const root = dag.node(() => 1, { label: "root" });
    root.to(
      dag.node(
        async (n: number) => {
          log.push("slow:start");
          await within(downstreamStarted.promise, "the other branch's downstream start");
          log.push("slow:end");
          return n;
        },
        { label: "slow" },
      ),
    );
    root.to(dag.node((n: number) => n + 1, { label: "quick" })).to(
      dag.node(
        (n: number) => {
          log.push("after-quick:start");
          downstreamStarted.resolve();
          return n;
        },
        { label: "afterQuick" },
      ),
    );
    const result = await dag.run();
    expect(result.status).toBe("completed");
    expect(log).toEqual(["slow:start", "after-quick:start", "slow:end"]);
  });

  /** Two sources that each yield once; with no limit their runs interleave. */
  function twoYieldingSources(log: string[]) {
    const dag = new Dag();
    for (const label of ["a", "b"]) {
      dag.node(
        async () => {
          log.push(`${label}:start`);
          await tick(5);
          log.push(`${label}:end`);
        },
        { label },
      );
    }
    return dag;
  }

  it("interleaves two yielding branches without a limit (the control case)", async () => {
    const log: string[] = [];
    await new DagRunner(twoYieldingSources(log)).run();
    expect(log).toEqual(["a:start", "b:start", "a:end", "b:end"]);
  });

  it("runs them one after the other with concurrency: 1", async () => {
    const log: string[] = [];
    const result = await new DagRunner(twoYieldingSources(log), { concurrency: 1 }).run();
    expect(result.status).toBe("completed");
    expect(log).toEqual(["a:start", "a:end", "b:start", "b:end"]);
  });

  /**
   * Five sources that each wait until `peak` of them are in flight at once (or, once
   * that happened, not at all), recording the most seen in flight.
   */
  function fiveSources(peak: number) {
    const counter = { now: 0, max: 0 };
    const reached = deferred();
    const dag = new Dag();
    for (const label of ["a", "b", "c", "d", "e"]) {
      dag.node(
        async () => {
          counter.now++;
          counter.max = Math.max(counter.max, counter.now);
          if (counter.now === peak) reached.resolve();
          await within(reached.promise, `${peak} nodes in flight at once`);
          await tick();
          counter.now--;
        },
        { label },
      );
    }
    return { dag, counter };
  }

  it("never has more nodes in flight than the concurrency limit", async () => {
    const { dag, counter } = fiveSources(2);
    const result = await new DagRunner(dag, { concurrency: 2 }).run();
    expect(result.status).toBe("completed");
    expect(counter.max).toBe(2);
  });

  it("has every ready node in flight at once without a limit (the control case)", async () => {
    const { dag, counter } = fiveSources(5);
    const result = await new DagRunner(dag).run();
    expect(result.status).toBe("completed");
    expect(counter.max).toBe(5);
  });
});

describe("DagRunner: a node that fails", () => {
  function failingWith(value: unknown) {
    const dag = new Dag();
    dag.node(
      () => {
        throw value;
      },
      { label: "explode" },
    );
    return dag;
  }

  it("turns a thrown Error into NodeFailed with that Error as cause", async () => {
    const boom = new Error("boom");
    const error = failure(await failingWith(boom).run());
    expect(error).toBeInstanceOf(NodeFailed);
    expect(error).toMatchObject({ _tag: "NodeFailed", nodeLabel: "explode", attempt: 1 });
    expect((error as NodeFailed).cause).toBe(boom);
    expect(error.message).toContain("explode");
    expect(error.message).toContain("boom");
  });

  it("turns a thrown string into NodeFailed with the string as cause", async () => {
    const error = failure(await failingWith("plain string").run());
    expect(error._tag).toBe("NodeFailed");
    expect((error as NodeFailed).cause).toBe("plain string");
    expect(error.message).toContain("plain string");
  });

  it("turns a thrown plain object into NodeFailed with that object as cause", async () => {
    const thrownObject = { code: 42, why: "bad" };
    const error = failure(await failingWith(thrownObject).run());
    expect(error._tag).toBe("NodeFailed");
    expect((error as NodeFailed).cause).toBe(thrownObject);
    expect(error.message).toContain('"why":"bad"');
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a number", 7],
  ])("keeps %s thrown as the cause", async (_name, value) => {
    const error = failure(await failingWith(value).run());
    expect(error._tag).toBe("NodeFailed");
    expect((error as NodeFailed).cause).toBe(value);
    expect(typeof error.message).toBe("string");
  });

  it("turns a rejected promise into NodeFailed", async () => {
    const dag = new Dag();
    dag.node(async () => Promise.reject(new TypeError("rejected")), { label: "reject" });
    const error = failure(await dag.run());
    expect(error).toMatchObject({ _tag: "NodeFailed", nodeLabel: "reject" });
    expect((error as NodeFailed).cause).toBeInstanceOf(TypeError);
  });

  it("resolves to { runId, status: failed, failedNode, error, outputs } with finished sinks", async () => {
    const dag = new Dag();
    dag.node(() => "done early", { label: "quickSink" });
    dag
      .node(
        async () => {
          await tick(20);
          throw new Error("late failure");
        },
        { label: "fails" },
      )
      .to(dag.node((x: unknown) => x, { label: "neverSink" }));
    const result = await new DagRunner(dag).run(undefined, { runId: "run-f" });
    expect(Object.keys(result).sort()).toEqual([
      "error",
      "failedNode",
      "outputs",
      "runId",
      "status",
    ]);
    expect(result.runId).toBe("run-f");
    expect(result.status).toBe("failed");
    expect(result.failedNode).toBe("fails");
    expect(result.error).toBeInstanceOf(NodeFailed);
    expect(result.outputs).toEqual({ quickSink: "done early" });
  });

  it("stops the run: a node downstream of the failure is never called", async () => {
    let called = false;
    const dag = new Dag();
    dag
      .node(
        () => {
          throw new Error("stop");
        },
        { label: "fails" },
      )
      .to(
        dag.node(
          () => {
            called = true;
          },
          { label: "after" },
        ),
      );
    const result = await dag.run();
    expect(result.failedNode).toBe("fails");
    expect(called).toBe(false);
  });

  it("stops the run: a ready node waiting for a slot is never started", async () => {
    const called: string[] = [];
    const dag = new Dag();
    dag.node(
      () => {
        called.push("fails");
        throw new Error("stop");
      },
      { label: "fails" },
    );
    dag.node(() => void called.push("waiting"), { label: "waiting" });
    const result = await new DagRunner(dag, { concurrency: 1 }).run();
    expect(result.status).toBe("failed");
    expect(called).toEqual(["fails"]);
  });

  it("stops the run: a node in flight gets its signal aborted", async () => {
    let aborted = false;
    const inFlight = deferred();
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) =>
        untilAborted(
          ctx,
          () => (aborted = true),
          () => inFlight.resolve(),
        ),
      {
        label: "inFlight",
      },
    );
    dag.node(
      async () => {
        await within(inFlight.promise, "the other node's start");
        throw new Error("fail while the other runs");
      },
      { label: "fails" },
    );
    const result = await within(dag.run(), "the run's end");
    expect(result.status).toBe("failed");
    expect(result.failedNode).toBe("fails");
    expect(aborted).toBe(true);
  });
});

describe("DagRunner: timeout", () => {
  it("fails a node past its timeout with NodeTimedOut and fires its signal", async () => {
    let aborted = false;
    let reason: unknown;
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) =>
        untilAborted(ctx, () => {
          aborted = ctx.signal.aborted;
          reason = ctx.signal.reason;
        }),
      { label: "hangs", timeout: 30 },
    );
    const result = await within(dag.run(), "the timeout");
    const error = failure(result);
    expect(error).toBeInstanceOf(NodeTimedOut);
    expect(error).toMatchObject({
      _tag: "NodeTimedOut",
      nodeLabel: "hangs",
      timeoutMs: 30,
      attempt: 1,
    });
    expect(error.message).toContain("30 ms");
    expect(aborted).toBe(true);
    expect(reason).toBeDefined();
  });

  it("lets a node that finishes within its timeout complete", async () => {
    const dag = new Dag();
    dag.node(
      async () => {
        await tick(1);
        return "in time";
      },
      { label: "quick", timeout: 1_000 },
    );
    expect((await dag.run()).status).toBe("completed");
  });

  it("retries a timed-out try when the node has a retry policy", async () => {
    const attempts: number[] = [];
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) => {
        attempts.push(ctx.attempt);
        return ctx.attempt === 1 ? untilAborted(ctx, () => {}) : "second try";
      },
      { label: "slowOnce", timeout: 30, retry: { attempts: 2, backoffMs: 1 } },
    );
    const result = await within(new DagRunner(dag).run(), "the retry");
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ slowOnce: "second try" });
    expect(attempts).toEqual([1, 2]);
  });
});

describe("DagRunner: retry", () => {
  /** A node that fails its first `failures` tries, then returns its attempt number. */
  function flaky(failures: number, attempts: number) {
    const seen: number[] = [];
    const dag = new Dag();
    let upstreamCalls = 0;
    dag
      .node(
        () => {
          upstreamCalls++;
          return "in";
        },
        { label: "upstream" },
      )
      .to(
        dag.node(
          (_: string, ctx: NodeContext) => {
            seen.push(ctx.attempt);
            if (seen.length <= failures) throw new Error(`failure ${seen.length}`);
            return `ok on ${ctx.attempt}`;
          },
          { label: "flaky", retry: { attempts, backoffMs: 1 } },
        ),
      );
    return { dag, seen, upstreamCalls: () => upstreamCalls };
  }

  it("completes a node that fails twice when it may try 3 times, showing attempts 1, 2, 3", async () => {
    const { dag, seen, upstreamCalls } = flaky(2, 3);
    const result = await dag.run();
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ flaky: "ok on 3" });
    expect(seen).toEqual([1, 2, 3]);
    // Only the failing node is retried.
    expect(upstreamCalls()).toBe(1);
  });

  it("fails a node that fails twice when it may try only 2 times, on attempt 2", async () => {
    const { dag, seen } = flaky(2, 2);
    const error = failure(await dag.run());
    expect(error).toMatchObject({ _tag: "NodeFailed", nodeLabel: "flaky", attempt: 2 });
    expect(((error as NodeFailed).cause as Error).message).toBe("failure 2");
    expect(seen).toEqual([1, 2]);
  });

  it("does not retry without a retry policy", async () => {
    const { dag, seen } = flaky(1, 1);
    expect((await dag.run()).status).toBe("failed");
    expect(seen).toEqual([1]);
  });

  it("does not retry an invalid output: retrying cannot fix it", async () => {
    let calls = 0;
    const dag = new Dag();
    dag.node(
      () => {
        calls++;
        return "not a number";
      },
      { label: "bad", output: Schema.Number, retry: { attempts: 3, backoffMs: 1 } },
    );
    expect(failure(await new DagRunner(dag).run())._tag).toBe("OutputInvalid");
    expect(calls).toBe(1);
  });

  effectIt.effect("waits the exponential backoff between tries (TestClock)", () =>
    Effect.gen(function* () {
      const seen: number[] = [];
      const dag = new Dag();
      dag.node(
        (_: unknown, ctx: NodeContext) => {
          seen.push(ctx.attempt);
          throw new Error("always");
        },
        { label: "always", retry: { attempts: 3, backoffMs: 1_000, factor: 2 } },
      );
      // Real time for the promise-based node calls to settle; the backoff itself only
      // moves with the TestClock.
      const settle = Effect.promise(() => tick(10));
      const until = (done: () => boolean) =>
        Effect.promise(async () => {
          for (let i = 0; i < 200 && !done(); i++) await tick(5);
        });
      const fiber = yield* Effect.fork(
        new DagRunner(dag).runEffect().pipe(Effect.provide(NullProvenance.layer), Effect.flip),
      );
      yield* until(() => seen.length === 1);
      yield* settle;
      expect(seen).toEqual([1]);
      yield* TestClock.adjust("999 millis");
      yield* settle;
      expect(seen).toEqual([1]);
      yield* TestClock.adjust("1 millis");
      yield* until(() => seen.length === 2);
      expect(seen).toEqual([1, 2]);
      yield* TestClock.adjust("1999 millis");
      yield* settle;
      expect(seen).toEqual([1, 2]);
      yield* TestClock.adjust("1 millis");
      const error = yield* Fiber.join(fiber);
      expect(seen).toEqual([1, 2, 3]);
      expect(error).toMatchObject({ _tag: "NodeFailed", attempt: 3 });
    }),
  );
});

describe("DagRunner: interruption", () => {
  it("ends 'interrupted' when the signal given to run() aborts, firing the node's signal", async () => {
    let aborted = false;
    let downstreamCalled = false;
    const started = deferred();
    const dag = new Dag();
    dag
      .node(
        (_: unknown, ctx: NodeContext) =>
          untilAborted(
            ctx,
            () => (aborted = true),
            () => started.resolve(),
          ),
        {
          label: "waits",
        },
      )
      .to(
        dag.node(
          () => {
            downstreamCalled = true;
          },
          { label: "after" },
        ),
      );
    const controller = new AbortController();
    const run = new DagRunner(dag).run(undefined, { signal: controller.signal, runId: "run-i" });
    await within(started.promise, "the node's start");
    controller.abort();
    const result = await within(run, "the interrupted run's end");
    expect(result).toMatchObject({ runId: "run-i", status: "interrupted" });
    expect(aborted).toBe(true);
    expect(downstreamCalled).toBe(false);
  });

  it("records the interrupted run and node through provenance", async () => {
    const provenance = recordingProvenance();
    const started = deferred();
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) =>
        untilAborted(
          ctx,
          () => {},
          () => started.resolve(),
        ),
      {
        label: "waits",
      },
    );
    const controller = new AbortController();
    const run = new DagRunner(dag, { provenance }).run(undefined, { signal: controller.signal });
    await within(started.promise, "the node's start");
    controller.abort();
    await within(run, "the interrupted run's end");
    const finished = provenance.of("runFinished");
    expect(finished).toHaveLength(1);
    expect(finished[0]?.end.status).toBe("interrupted");
    expect(finished[0]?.end.nodes).toEqual([
      expect.objectContaining({ label: "waits", status: "interrupted" }),
    ]);
  });

  it("calls no node when the signal is already aborted", async () => {
    let called = false;
    const dag = new Dag();
    dag.node(
      () => {
        called = true;
      },
      { label: "a" },
    );
    const result = await new DagRunner(dag).run(undefined, { signal: AbortSignal.abort() });
    expect(result.status).toBe("interrupted");
    expect(called).toBe(false);
  });

  it("ends with an interrupted exit when the Effect fiber is interrupted", async () => {
    let aborted = false;
    const started = deferred();
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) =>
        untilAborted(
          ctx,
          () => (aborted = true),
          () => started.resolve(),
        ),
      {
        label: "waits",
      },
    );
    const runner = new DagRunner(dag);
    const fiber = Effect.runFork(runner.runEffect({}).pipe(Effect.provide(NullProvenance.layer)));
    await within(started.promise, "the node's start");
    const exit = await Effect.runPromise(Fiber.interrupt(fiber));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(Exit.isInterrupted(exit)).toBe(true);
    expect(aborted).toBe(true);
  });
});

describe("DagRunner: Effect form and Promise form", () => {
  function failingDag() {
    const dag = new Dag();
    dag.node(
      () => {
        throw new Error("effect boom");
      },
      { label: "explode" },
    );
    return dag;
  }

  it("succeeds with the DagRunResult of a completed run", async () => {
    const result = await Effect.runPromise(
      new DagRunner(chain3()).runEffect(2).pipe(Effect.provide(NullProvenance.layer)),
    );
    expect(result).toMatchObject({ status: "completed", outputs: { c: "=30" } });
  });

  it("fails the Effect with the typed NodeFailed (Effect.either)", async () => {
    const either = await Effect.runPromise(
      new DagRunner(failingDag())
        .runEffect()
        .pipe(Effect.provide(NullProvenance.layer), Effect.either),
    );
    expect(Either.isLeft(either)).toBe(true);
    if (Either.isLeft(either)) {
      expect(either.left._tag).toBe("NodeFailed");
      expect(either.left).toBeInstanceOf(NodeFailed);
      expect((either.left as NodeFailed).nodeLabel).toBe("explode");
    }
  });

  it("fails the Effect with the typed InputInvalid (Effect.flip)", async () => {
    const dag = new Dag();
    dag.node((x: unknown) => x, { label: "typed", input: Schema.Number });
    const error = await Effect.runPromise(
      new DagRunner(dag).runEffect("nope").pipe(Effect.provide(NullProvenance.layer), Effect.flip),
    );
    expect(error._tag).toBe("InputInvalid");
  });

  it("resolves the Promise form of the same failing run with status failed", async () => {
    const result = await new DagRunner(failingDag()).run();
    expect(result.status).toBe("failed");
    expect(result.error?._tag).toBe("NodeFailed");
  });

  it("rejects the Promise form with DagCycle for a cyclic DAG, calling no node", async () => {
    let called = false;
    const dag = new Dag();
    const a = dag.node(
      (n: number) => {
        called = true;
        return n;
      },
      { label: "a" },
    );
    a.to(dag.node((n: number) => n, { label: "b" })).to(a);
    const error = await new DagRunner(dag).run(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DagCycle);
    expect((error as DagCycle).cycle).toEqual(["a", "b", "a"]);
    expect(called).toBe(false);
  });

  it("rejects the Promise form with EmptyDag for a DAG without nodes", async () => {
    const error = await new DagRunner(new Dag(), { dagNsref: "p:empty" })
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmptyDag);
    expect((error as EmptyDag).dagNsref).toBe("p:empty");
  });

  it("rejects dag.run() for an edge between two DAGs with ForeignEdge", async () => {
    const first = new Dag();
    const second = new Dag();
    first.node(() => 1, { label: "a" }).to(second.node((n: number) => n, { label: "b" }));
    await expect(first.run()).rejects.toBeInstanceOf(ForeignEdge);
  });

  it("fails the Effect form with the typed DagCycle", async () => {
    const dag = new Dag();
    const a = dag.node((n: number) => n, { label: "a" });
    a.to(a);
    const error = await Effect.runPromise(
      new DagRunner(dag).runEffect().pipe(Effect.provide(NullProvenance.layer), Effect.flip),
    );
    expect(error._tag).toBe("DagCycle");
  });
});

describe("DagRunner: bad values between nodes", () => {
  it("fails with MissingInput when a node returns undefined to a node expecting input", async () => {
    let called = false;
    const dag = new Dag();
    // Typed as returning a number, but returns nothing (as untyped code can).
    const returnsNothing = (() => undefined) as unknown as () => number;
    dag.node(returnsNothing, { label: "nothing" }).to(
      dag.node(
        (n: number) => {
          called = true;
          return n + 1;
        },
        { label: "needs" },
      ),
    );
    const result = await dag.run();
    const error = failure(result);
    expect(error).toBeInstanceOf(MissingInput);
    expect(error).toMatchObject({ _tag: "MissingInput", nodeLabel: "needs", upstream: "nothing" });
    expect(error.message).toContain('"nothing"');
    expect(result.failedNode).toBe("needs");
    expect(called).toBe(false);
  });

  it("fails with MissingInput for a downstream with an input schema", async () => {
    const dag = new Dag();
    dag
      .node(() => {}, { label: "nothing" })
      .to(dag.node(() => 1, { label: "schema", input: Schema.Number }));
    expect(failure(await dag.run())._tag).toBe("MissingInput");
  });

  it("lets undefined reach a node that takes no input", async () => {
    const dag = new Dag();
    dag.node(() => undefined, { label: "nothing" }).to(dag.node(() => "fine", { label: "free" }));
    const result = await dag.run();
    expect(result.status).toBe("completed");
  });

  it("fails with InputInvalid naming the node and the field", async () => {
    let called = false;
    const dag = new Dag();
    dag.node(
      (q: { symbol: string }) => {
        called = true;
        return q.symbol;
      },
      { label: "fetch", input: Schema.Struct({ symbol: Schema.String }) },
    );
    const error = failure(await new DagRunner(dag).run({ symbol: 1 }));
    expect(error).toBeInstanceOf(InputInvalid);
    expect(error).toMatchObject({ _tag: "InputInvalid", nodeLabel: "fetch", field: "symbol" });
    expect((error as InputInvalid).issues.length).toBeGreaterThan(0);
    expect(error.message).toContain('"fetch"');
    expect(error.message).toContain('"symbol"');
    expect(called).toBe(false);
  });

  it("names a nested field by its path", async () => {
    const dag = new Dag();
    dag.node((x: unknown) => x, {
      label: "nested",
      input: Schema.Struct({ quote: Schema.Struct({ price: Schema.Number }) }),
    });
    const error = failure(await new DagRunner(dag).run({ quote: { price: "x" } }));
    expect(error).toMatchObject({ _tag: "InputInvalid", field: "quote.price" });
  });

  it("names a missing field", async () => {
    const dag = new Dag();
    dag.node((x: unknown) => x, {
      label: "needsSymbol",
      input: Schema.Struct({ symbol: Schema.String }),
    });
    const error = failure(await new DagRunner(dag).run({}));
    expect(error).toMatchObject({ _tag: "InputInvalid", field: "symbol" });
  });

  it("checks a downstream's input schema against its upstream's output", async () => {
    const dag = new Dag();
    dag
      .node(() => ({ symbol: 7 }) as unknown as { symbol: string }, { label: "produce" })
      .to(
        dag.node((q: { symbol: string }) => q.symbol, {
          label: "consume",
          input: Schema.Struct({ symbol: Schema.String }),
        }),
      );
    const result = await dag.run();
    expect(failure(result)).toMatchObject({
      _tag: "InputInvalid",
      nodeLabel: "consume",
      field: "symbol",
    });
    expect(result.failedNode).toBe("consume");
  });

  it("fails with OutputInvalid when a node returns a value its output schema refuses", async () => {
    let downstreamCalled = false;
    const dag = new Dag();
    dag
      .node(() => "not a number", { label: "produce", output: Schema.Number })
      .to(
        dag.node(
          () => {
            downstreamCalled = true;
          },
          { label: "after" },
        ),
      );
    const result = await dag.run();
    const error = failure(result);
    expect(error).toBeInstanceOf(OutputInvalid);
    expect(error).toMatchObject({ _tag: "OutputInvalid", nodeLabel: "produce", field: "" });
    expect(error.message).toContain('"produce"');
    expect(downstreamCalled).toBe(false);
  });

  it("names the field of an invalid output", async () => {
    const dag = new Dag();
    dag.node(() => ({ price: "high" }), {
      label: "quote",
      output: Schema.Struct({ price: Schema.Number }),
    });
    const error = failure(await dag.run());
    expect(error).toMatchObject({ _tag: "OutputInvalid", field: "price" });
  });

  it("passes a valid output through unchanged", async () => {
    const dag = new Dag();
    dag.node(() => ({ price: 1 }), {
      label: "quote",
      output: Schema.Struct({ price: Schema.Number }),
    });
    expect(await dag.run()).toMatchObject({
      status: "completed",
      outputs: { quote: { price: 1 } },
    });
  });
});

describe("DagRunner: a sub-DAG as a call node", () => {
  function subDag(log: { input?: unknown; dagNsref?: string | undefined }) {
    const sub = new Dag();
    sub
      .node(
        (x: number, ctx: NodeContext) => {
          log.input = x;
          log.dagNsref = ctx.dagNsref;
          return x * 2;
        },
        { label: "double" },
      )
      .to(sub.node((n: number) => n + 1, { label: "inc" }));
    return sub;
  }

  it("gets its upstream's output and returns its sink's output", async () => {
    const log: { input?: unknown; dagNsref?: string | undefined } = {};
    let seen: unknown;
    const dag = new Dag();
    dag
      .node(() => 5, { label: "five" })
      .to(dag.node(subDag(log), { label: "enrich" }))
      .to(
        dag.node(
          (x: unknown) => {
            seen = x;
          },
          { label: "after" },
        ),
      );
    const result = await dag.run();
    expect(result.status).toBe("completed");
    expect(log.input).toBe(5);
    expect(seen).toBe(11);
    expect(log.dagNsref).toBe("enrich");
  });

  it("puts the sub-DAG's output under its label when it is a sink", async () => {
    const dag = new Dag();
    dag.node(subDag({}), { label: "enrich" });
    expect((await new DagRunner(dag).run(1)).outputs).toEqual({ enrich: 3 });
  });

  it("returns an object of outputs for a sub-DAG with several sinks", async () => {
    const sub = new Dag();
    const root = sub.node((n: number) => n, { label: "root" });
    root.to(sub.node((n: number) => n + 1, { label: "plus" }));
    root.to(sub.node((n: number) => n - 1, { label: "minus" }));
    const dag = new Dag();
    dag.node(sub, { label: "both" });
    expect((await new DagRunner(dag).run(10)).outputs).toEqual({
      both: { plus: 11, minus: 9 },
    });
  });

  it("fails the parent at the call node when the sub-DAG fails", async () => {
    const sub = new Dag();
    sub.node(
      () => {
        throw new Error("inner boom");
      },
      { label: "inner" },
    );
    const dag = new Dag();
    dag.node(sub, { label: "outer" });
    const result = await new DagRunner(dag).run();
    expect(result.failedNode).toBe("outer");
    const error = failure(result) as NodeFailed;
    expect(error._tag).toBe("NodeFailed");
    expect(error.cause).toMatchObject({ _tag: "NodeFailed", nodeLabel: "inner" });
  });

  it("interrupts the sub-DAG's nodes when the parent run is interrupted", async () => {
    let innerAborted = false;
    const innerStarted = deferred();
    const sub = new Dag();
    sub.node(
      (_: unknown, ctx: NodeContext) =>
        untilAborted(
          ctx,
          () => {
            innerAborted = true;
          },
          () => innerStarted.resolve(),
        ),
      { label: "inner" },
    );
    const dag = new Dag();
    dag.node(sub, { label: "outer" });
    const controller = new AbortController();
    const run = new DagRunner(dag).run(undefined, { signal: controller.signal });
    await within(innerStarted.promise, "the sub-DAG node's start");
    controller.abort();
    expect((await within(run, "the run's end")).status).toBe("interrupted");
    await within(
      (async () => {
        while (!innerAborted) await tick(1);
      })(),
      "the sub-DAG node's abort",
    );
  });
});

describe("DagRunner: pause", () => {
  it("pauses the run when a node calls ctx.pause(): downstream nodes do not start", async () => {
    let downstreamCalled = false;
    const dag = new Dag();
    dag
      .node(
        (_: unknown, ctx: NodeContext) => {
          ctx.pause();
          return "kept";
        },
        { label: "asks" },
      )
      .to(
        dag.node(
          () => {
            downstreamCalled = true;
          },
          { label: "after" },
        ),
      );
    const result = await new DagRunner(dag).run();
    expect(result.status).toBe("paused");
    expect(result.error).toBeUndefined();
    expect(result.failedNode).toBeUndefined();
    expect(downstreamCalled).toBe(false);
  });

  it("pauses the run when a node throws DagPause", async () => {
    let downstreamCalled = false;
    const dag = new Dag();
    dag
      .node(
        () => {
          throw new DagPause({ reason: "waiting for approval" });
        },
        { label: "approval" },
      )
      .to(
        dag.node(
          () => {
            downstreamCalled = true;
          },
          { label: "ship" },
        ),
      );
    const provenance = recordingProvenance();
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.status).toBe("paused");
    expect(result.error).toBeUndefined();
    expect(downstreamCalled).toBe(false);
    const [finished] = provenance.of("runFinished");
    expect(finished?.end.status).toBe("paused");
    expect(finished?.end.nodes).toEqual([
      expect.objectContaining({ label: "approval", status: "paused" }),
    ]);
  });

  it("does not retry a node that throws DagPause", async () => {
    let calls = 0;
    const dag = new Dag();
    dag.node(
      () => {
        calls++;
        throw new DagPause({});
      },
      { label: "pauses", retry: { attempts: 3, backoffMs: 1 } },
    );
    expect((await new DagRunner(dag).run()).status).toBe("paused");
    expect(calls).toBe(1);
  });

  it("succeeds in the Effect form with status paused", async () => {
    const dag = new Dag();
    dag.node((_: unknown, ctx: NodeContext) => ctx.pause(), { label: "asks" });
    const result = await Effect.runPromise(
      new DagRunner(dag).runEffect().pipe(Effect.provide(NullProvenance.layer)),
    );
    expect(result.status).toBe("paused");
  });
});

describe("DagRunner: commits through Provenance", () => {
  it("commits a 3-node chain in 5 commits, each start riding along", async () => {
    const provenance = recordingProvenance();
    const result = await new DagRunner(chain3(), {
      provenance,
      dagNsref: "p:chain",
    }).run(1, { runId: "run-c" });
    expect(result.status).toBe("completed");
    expect(provenance.commits.map((c) => c.kind)).toEqual([
      "runStarted",
      "nodeCompleted",
      "nodeCompleted",
      "nodeCompleted",
      "runFinished",
    ]);
    expect(provenance.commits.length).toBeLessThanOrEqual(5);

    const [started] = provenance.of("runStarted");
    expect(started?.run).toMatchObject({ runId: "run-c", dagNsref: "p:chain", input: 1 });
    expect(started?.run.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(started?.run.nodes).toEqual([
      { label: "a", isSource: true, isSink: false },
      { label: "b", isSource: false, isSink: false },
      { label: "c", isSource: false, isSink: true },
    ]);
    expect(started?.starting).toEqual([
      expect.objectContaining({ label: "a", input: 1, attempt: 1 }),
    ]);

    const completed = provenance.of("nodeCompleted");
    expect(completed.map((c) => c.done.label)).toEqual(["a", "b", "c"]);
    expect(completed.map((c) => c.done.output)).toEqual([2, 20, "=20"]);
    expect(completed.map((c) => c.done.status)).toEqual(["completed", "completed", "completed"]);
    expect(completed.map((c) => startLabels(c.starting))).toEqual([["b"], ["c"], []]);
    expect(completed[0]?.starting[0]).toMatchObject({ input: 2, attempt: 1 });
    expect(completed[1]?.starting[0]).toMatchObject({ input: 20, attempt: 1 });
    expect(completed[0]?.done.edges).toEqual([{ from: "a", to: "b" }]);
    expect(completed[2]?.done.edges).toEqual([]);

    const [finished] = provenance.of("runFinished");
    expect(finished?.end).toMatchObject({
      status: "completed",
      outputs: { c: "=20" },
      error: undefined,
      nodes: [],
    });
  });

  it("starts both fan-out branches in the completion commit of their upstream", async () => {
    const provenance = recordingProvenance();
    const dag = new Dag();
    const a = dag.node(() => 1, { label: "a" });
    a.to(dag.node((n: number) => n, { label: "b" }));
    a.to(dag.node((n: number) => n, { label: "c" }));
    await new DagRunner(dag, { provenance }).run();
    const [first] = provenance.of("nodeCompleted");
    expect(first?.done.label).toBe("a");
    expect(startLabels(first?.starting ?? [])).toEqual(["b", "c"]);
    expect(provenance.commits).toHaveLength(5);
    expect(provenance.of("nodesStarted")).toHaveLength(0);
  });

  it("starts every source in the runStarted commit", async () => {
    const provenance = recordingProvenance();
    const dag = new Dag();
    dag.node(() => 1, { label: "s1" });
    dag.node(() => 2, { label: "s2" });
    await new DagRunner(dag, { provenance }).run("in");
    const [started] = provenance.of("runStarted");
    expect(startLabels(started?.starting ?? [])).toEqual(["s1", "s2"]);
    expect(started?.starting.map((s) => s.input)).toEqual(["in", "in"]);
  });

  it("records a failing middle node with the run's end: status failed and its message", async () => {
    const provenance = recordingProvenance();
    const dag = new Dag();
    dag
      .node(() => 1, { label: "a" })
      .to(
        dag.node(
          () => {
            throw new Error("middle broke");
          },
          { label: "b" },
        ),
      )
      .to(dag.node((n: unknown) => n, { label: "c" }));
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.status).toBe("failed");
    expect(provenance.commits.map((c) => c.kind)).toEqual([
      "runStarted",
      "nodeCompleted",
      "runFinished",
    ]);
    const [finished] = provenance.of("runFinished");
    expect(finished?.end.status).toBe("failed");
    expect(finished?.end.error).toContain("middle broke");
    expect(finished?.end.outputs).toEqual({});
    expect(finished?.end.nodes).toEqual([
      expect.objectContaining({ label: "b", status: "failed" }),
    ]);
    expect(finished?.end.nodes[0]?.error).toContain("middle broke");
  });

  it("records a node interrupted by another node's failure", async () => {
    const provenance = recordingProvenance();
    const inFlight = deferred();
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) =>
        untilAborted(
          ctx,
          () => {},
          () => inFlight.resolve(),
        ),
      {
        label: "inFlight",
      },
    );
    dag.node(
      async () => {
        await within(inFlight.promise, "the other node's start");
        throw new Error("stop");
      },
      { label: "fails" },
    );
    await within(new DagRunner(dag, { provenance }).run(), "the run's end");
    const [finished] = provenance.of("runFinished");
    expect(finished?.end.nodes).toEqual([
      expect.objectContaining({ label: "fails", status: "failed" }),
      expect.objectContaining({ label: "inFlight", status: "interrupted" }),
    ]);
  });

  it("records each retry's start with its attempt number", async () => {
    const provenance = recordingProvenance();
    let calls = 0;
    const dag = new Dag();
    dag.node(
      () => {
        calls++;
        if (calls < 3) throw new Error("flaky");
        return "ok";
      },
      { label: "flaky", retry: { attempts: 3, backoffMs: 1 } },
    );
    await new DagRunner(dag, { provenance }).run();
    expect(provenance.of("nodesStarted").map((c) => c.starting.map((s) => s.attempt))).toEqual([
      [2],
      [3],
    ]);
  });

  it("writes through a layer given to the Effect form", async () => {
    const provenance = recordingProvenance();
    await Effect.runPromise(
      new DagRunner(chain3()).runEffect(1).pipe(Effect.provide(provenance.layer)),
    );
    expect(provenance.commits).toHaveLength(5);
  });
});
