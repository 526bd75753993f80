import { Effect, Either } from "effect";
import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { DagNode } from "../../src/dag/DagNode.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { NullProvenance } from "../../src/provenance/NullProvenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import {
  MapInputInvalid,
  NodeFailed,
  SwitchLabelMissing,
  UnknownBranch,
} from "../../src/run/errors.js";

// ---------------------------------------------------------------------------
// Helpers

interface Deferred<T = void> {
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

/** Waits until `condition` holds, failing loudly instead of hanging the test. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`${what} did not happen`);
}

/** A few macrotasks: anything that was going to start has started. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The run's error, asserting that it failed. */
function failure(result: { readonly status: string; readonly error?: unknown }): unknown {
  expect(result.status).toBe("failed");
  expect(result.error).toBeDefined();
  return result.error;
}

/** A one-node sub-DAG running `fn`, declared with its types. */
function oneNode<I, O>(label: string, fn: (input: I, ctx: NodeContext) => O): Dag<I, Awaited<O>> {
  const dag = new Dag<I, Awaited<O>>();
  dag.node(fn, { label });
  return dag;
}

/** A DAG whose source returns `value`, feeding `build`'s node. */
function fed(value: unknown, build: (dag: Dag) => DagNode<any, any>): Dag {
  const dag = new Dag();
  dag.node(() => value, { label: "source" }).to(build(dag));
  return dag;
}

// ---------------------------------------------------------------------------

describe("map node", () => {
  it("runs the sub-DAG on each element and keeps the input's order", async () => {
    // Later elements finish first: the order of the result is the input's, not the finish order.
    const sub = oneNode("wait", async (n: number) => {
      await new Promise<void>((resolve) => setTimeout(resolve, (4 - n) * 3));
      return n * 10;
    });
    const dag = fed([1, 2, 3], (d) => d.map(sub, { label: "each" }));
    expect(await dag.run()).toMatchObject({ status: "completed", outputs: { each: [10, 20, 30] } });
  });

  it("runs a chain sub-DAG per element, the element reaching its source", async () => {
    const sub = new Dag<string, string>();
    sub
      .node((s: string) => s.trim(), { label: "trim" })
      .to(sub.node((s: string) => s.toUpperCase(), { label: "upper" }));
    const dag = fed([" a ", "b "], (d) => d.map(sub, { label: "clean" }));
    expect((await dag.run()).outputs).toEqual({ clean: ["A", "B"] });
  });

  it("spreads an element's array result into the list (flat-map), appends anything else", async () => {
    const sub = oneNode("split", (line: string) => (line.includes(" ") ? line.split(" ") : line));
    const dag = fed(["a b", "c", "d e f"], (d) => d.map(sub, { label: "words" }));
    expect((await dag.run()).outputs).toEqual({ words: ["a", "b", "c", "d", "e", "f"] });
  });

  it("flattens one level only: an array inside an element's array stays an array", async () => {
    const sub = oneNode("pair", (n: number) => [[n], n]);
    const dag = fed([1, 2], (d) => d.map(sub, { label: "pairs" }));
    expect((await dag.run()).outputs).toEqual({ pairs: [[1], 1, [2], 2] });
  });

  it("maps each value of an object to an object with the same keys (no flattening)", async () => {
    const sub = oneNode("words", (text: string) => text.split(" "));
    const dag = fed({ eu: "a b", us: "c" }, (d) => d.map(sub, { label: "perRegion", keyed: true }));
    expect((await dag.run()).outputs).toEqual({ perRegion: { eu: ["a", "b"], us: ["c"] } });
  });

  it("maps an object without keyed too: an object input gives keyed results at run time", async () => {
    const sub = oneNode("double", (n: number) => n * 2);
    const dag = fed({ a: 1, b: 2 }, (d) => d.map(sub, { label: "each" }));
    expect((await dag.run()).outputs).toEqual({ each: { a: 2, b: 4 } });
  });

  it("gives an empty array for an empty array, running nothing", async () => {
    let calls = 0;
    const sub = oneNode("count", () => {
      calls += 1;
      return 1;
    });
    const dag = fed([], (d) => d.map(sub, { label: "each" }));
    expect(await dag.run()).toMatchObject({ status: "completed", outputs: { each: [] } });
    expect(calls).toBe(0);
  });

  it("fails with MapInputInvalid naming the node and the value's type for a non-list", async () => {
    const sub = oneNode("x", (n: number) => n);
    for (const [value, received] of [
      [42, "a number"],
      ["text", "a string"],
      [null, "null"],
      [new Date(0), "a Date"],
      [new Map(), "a Map"],
    ] as const) {
      const error = failure(await fed(value, (d) => d.map(sub, { label: "each" })).run());
      expect(error).toBeInstanceOf(MapInputInvalid);
      expect(error).toMatchObject({ nodeLabel: "each", received });
      expect((error as Error).message).toBe(
        `Map node "each" needs an array (or an object) to map over, but its input is ${received}. Make its upstream return a list.`,
      );
    }
  });

  it("fails a keyed map given an array, saying it wants an object", async () => {
    const sub = oneNode("x", (n: number) => n);
    const error = failure(await fed([1], (d) => d.map(sub, { label: "each", keyed: true })).run());
    expect(error).toMatchObject({ _tag: "MapInputInvalid", nodeLabel: "each" });
    expect((error as Error).message).toContain("the node is keyed");
  });

  it("runs at most `concurrency` elements at once, starting them in order", async () => {
    const events: string[] = [];
    const gates = [0, 1, 2, 3, 4].map(() => deferred());
    const sub = oneNode("work", async (n: number) => {
      events.push(`start ${n}`);
      await gates[n]?.promise;
      events.push(`end ${n}`);
      return n;
    });
    const dag = fed([0, 1, 2, 3, 4], (d) => d.map(sub, { label: "each", concurrency: 2 }));
    const run = dag.run();
    await until(() => events.length === 2, "two starts");
    await settle();
    expect(events).toEqual(["start 0", "start 1"]);
    gates[1]?.resolve();
    await until(() => events.includes("start 2"), "the third start");
    await settle();
    expect(events).toEqual(["start 0", "start 1", "end 1", "start 2"]);
    for (const gate of gates) gate.resolve();
    expect((await run).outputs).toEqual({ each: [0, 1, 2, 3, 4] });
    // Never more than two between a start and its end.
    let inFlight = 0;
    for (const event of events) {
      inFlight += event.startsWith("start") ? 1 : -1;
      expect(inFlight).toBeLessThanOrEqual(2);
    }
  });

  it("runs every element at once without a concurrency limit", async () => {
    const started: number[] = [];
    const gate = deferred();
    const sub = oneNode("work", async (n: number) => {
      started.push(n);
      await gate.promise;
      return n;
    });
    const run = fed([0, 1, 2, 3], (d) => d.map(sub, { label: "each" })).run();
    await until(() => started.length === 4, "four starts before any end");
    gate.resolve();
    expect((await run).outputs).toEqual({ each: [0, 1, 2, 3] });
  });

  it("fails the map node with NodeFailed naming the element index, the child run and its error", async () => {
    const sub = oneNode("check", (n: number) => {
      if (n === 3) throw new Error("three is bad");
      return n;
    });
    const dag = fed([0, 1, 2, 3, 4], (d) => d.map(sub, { label: "each", concurrency: 1 }));
    const result = await dag.run();
    expect(result.failedNode).toBe("each");
    const error = failure(result) as NodeFailed;
    expect(error).toBeInstanceOf(NodeFailed);
    expect(error).toMatchObject({ nodeLabel: "each", element: 3, attempt: 1 });
    expect(typeof error.childRunId).toBe("string");
    expect(error.cause).toMatchObject({ _tag: "NodeFailed", nodeLabel: "check" });
    expect(error.message).toBe(
      'Node "each" failed at element 3 on attempt 1: Node "check" failed on attempt 1: three is bad',
    );
  });

  it("names an object element by its key", async () => {
    const sub = oneNode("check", (n: number) => {
      if (n < 0) throw new Error("negative");
      return n;
    });
    const error = failure(await fed({ a: 1, b: -1 }, (d) => d.map(sub, { label: "each" })).run());
    expect(error).toMatchObject({ _tag: "NodeFailed", element: "b" });
    expect((error as Error).message).toContain('at element "b"');
  });

  it("stops at a failure: no new element starts and those in flight are interrupted", async () => {
    const started: number[] = [];
    const aborted: number[] = [];
    const sub = oneNode("work", (n: number, ctx: NodeContext) => {
      started.push(n);
      if (n === 1) return Promise.reject(new Error("boom"));
      return new Promise<number>((_, reject) => {
        ctx.signal.addEventListener("abort", () => {
          aborted.push(n);
          reject(new Error("aborted"));
        });
      });
    });
    const dag = fed([0, 1, 2, 3], (d) => d.map(sub, { label: "each", concurrency: 2 }));
    const result = await dag.run();
    expect(failure(result)).toMatchObject({ _tag: "NodeFailed", element: 1 });
    await until(() => aborted.length === 1, "the abort of element 0");
    expect(started).toEqual([0, 1]);
    expect(aborted).toEqual([0]);
  });

  it("interrupts every child in flight when the parent run is interrupted", async () => {
    const started: number[] = [];
    const aborted: number[] = [];
    const sub = oneNode(
      "work",
      (n: number, ctx: NodeContext) =>
        new Promise<number>((_, reject) => {
          started.push(n);
          ctx.signal.addEventListener("abort", () => {
            aborted.push(n);
            reject(new Error("aborted"));
          });
        }),
    );
    const dag = fed([0, 1, 2], (d) => d.map(sub, { label: "each" }));
    const controller = new AbortController();
    const run = new DagRunner(dag).run(undefined, { signal: controller.signal });
    await until(() => started.length === 3, "three children started");
    controller.abort();
    expect((await run).status).toBe("interrupted");
    await until(() => aborted.length === 3, "every child aborted");
    expect([...aborted].sort()).toEqual([0, 1, 2]);
  });

  it("retries the whole map node under its retry policy (no history: every element again)", async () => {
    let calls = 0;
    const sub = oneNode("flaky", (n: number) => {
      calls += 1;
      if (n === 1 && calls === 2) throw new Error("once");
      return n;
    });
    const dag = fed([0, 1], (d) =>
      d.map(sub, { label: "each", concurrency: 1, retry: { attempts: 2, backoffMs: 0 } }),
    );
    expect((await dag.run()).outputs).toEqual({ each: [0, 1] });
    expect(calls).toBe(4);
  });

  it("fails as a typed error in the Effect form", async () => {
    const sub = oneNode("x", (n: number) => n);
    const outcome = await Effect.runPromise(
      new DagRunner(fed(7, (d) => d.map(sub, { label: "each" })))
        .runEffect()
        .pipe(Effect.provide(NullProvenance.layer), Effect.either),
    );
    expect(Either.isLeft(outcome) && outcome.left).toBeInstanceOf(MapInputInvalid);
  });
});

describe("switch node", () => {
  const branches = () => {
    const seen: { branch: string; data: unknown }[] = [];
    const large = new Dag<{ id: number; total: number }, string>();
    large.node(
      (order: { id: number; total: number }) => {
        seen.push({ branch: "large", data: order });
        return `review ${order.id}`;
      },
      { label: "review" },
    );
    const small = (order: { id: number }) => {
      seen.push({ branch: "small", data: order });
      return `ship ${order.id}`;
    };
    return { seen, large, small };
  };

  it("routes a tuple [label, data] to that branch with the data", async () => {
    const { seen, large, small } = branches();
    const dag = fed(["large", { id: 1, total: 900 }], (d) =>
      d.switch({ large, small }, { label: "route" }),
    );
    expect((await dag.run()).outputs).toEqual({ route: "review 1" });
    expect(seen).toEqual([{ branch: "large", data: { id: 1, total: 900 } }]);
  });

  it("routes an object by __switch__ and hands the branch the object without it", async () => {
    const { seen, large, small } = branches();
    const dag = fed({ __switch__: "small", id: 2 }, (d) =>
      d.switch({ large, small }, { label: "route" }),
    );
    expect((await dag.run()).outputs).toEqual({ route: "ship 2" });
    expect(seen).toEqual([{ branch: "small", data: { id: 2 } }]);
  });

  it("labels the branches of an array by their names", async () => {
    function shout(s: string) {
      return s.toUpperCase();
    }
    function whisper(s: string) {
      return s.toLowerCase();
    }
    const dag = fed(["whisper", "HeLLo"], (d) => d.switch([shout, whisper], { label: "voice" }));
    expect((await dag.run()).outputs).toEqual({ voice: "hello" });
  });

  it("fails with UnknownBranch listing the known labels", async () => {
    const { seen, large, small } = branches();
    const dag = fed(["huge", { id: 3 }], (d) => d.switch({ large, small }, { label: "route" }));
    const error = failure(await dag.run());
    expect(error).toBeInstanceOf(UnknownBranch);
    expect(error).toMatchObject({ nodeLabel: "route", branch: "huge", known: ["large", "small"] });
    expect((error as Error).message).toBe(
      'Switch node "route" has no branch "huge". Its branches are: large, small.',
    );
    expect(seen).toEqual([]);
  });

  it("fails with SwitchLabelMissing when the value carries no label", async () => {
    const { large, small } = branches();
    for (const [value, received] of [
      [{ id: 1 }, "an object without __switch__"],
      [{ __switch__: 7 }, "an object whose __switch__ is number"],
      [[1, 2], 'an array of 2 items, not a ["branch", data] pair'],
      [["large"], 'an array of 1 item, not a ["branch", data] pair'],
      ["large", "string"],
      [null, "null"],
    ] as const) {
      const error = failure(
        await fed(value, (d) => d.switch({ large, small }, { label: "route" })).run(),
      );
      expect(error).toBeInstanceOf(SwitchLabelMissing);
      expect(error).toMatchObject({ nodeLabel: "route", received });
      expect((error as Error).message).toContain(`its input is ${received}`);
    }
  });

  it("fails the switch node with NodeFailed when its branch fails", async () => {
    const boom = () => {
      throw new Error("branch broke");
    };
    const dag = fed(["boom", 1], (d) => d.switch({ boom }, { label: "route" }));
    const error = failure(await dag.run()) as NodeFailed;
    expect(error).toMatchObject({ _tag: "NodeFailed", nodeLabel: "route" });
    expect(error.element).toBeUndefined();
    expect(error.message).toBe(
      'Node "route" failed on attempt 1: Node "boom" failed on attempt 1: branch broke',
    );
    expect(error.cause).toMatchObject({ _tag: "NodeFailed", nodeLabel: "boom" });
  });
});

describe("map-switch node", () => {
  it("routes each element to its branch and flat-maps the results, in order", async () => {
    const even = oneNode("twice", (n: number) => [n, n]);
    const odd = (x: { n: number }) => -x.n;
    const items = [["even", 2], { __switch__: "odd", n: 3 }, ["even", 4], ["odd", { n: 5 }]];
    const dag = fed(items, (d) => d.map(d.switch({ even, odd }), { label: "routed" }));
    expect((await dag.run()).outputs).toEqual({ routed: [2, 2, -3, 4, 4, -5] });
  });

  it("checks every element's label before running any", async () => {
    let calls = 0;
    const ok = () => {
      calls += 1;
      return 1;
    };
    const dag = fed(
      [
        ["ok", 1],
        ["ok", 2],
        ["nope", 3],
      ],
      (d) => d.map(d.switch({ ok }), { label: "routed" }),
    );
    const error = failure(await dag.run());
    expect(error).toMatchObject({
      _tag: "UnknownBranch",
      branch: "nope",
      element: 2,
      known: ["ok"],
    });
    expect((error as Error).message).toBe(
      'Switch node "routed" has no branch "nope" (element 2). Its branches are: ok.',
    );
    expect(calls).toBe(0);
  });

  it("names the element whose value carries no label", async () => {
    const dag = fed([["ok", 1], { nothing: true }], (d) =>
      d.map(d.switch({ ok: () => 1 }), { label: "routed" }),
    );
    const error = failure(await dag.run());
    expect(error).toMatchObject({ _tag: "SwitchLabelMissing", element: 1 });
    expect((error as Error).message).toContain("element 1 is an object without __switch__");
  });
});

describe("call node", () => {
  it("runs the sub-DAG once with the upstream's output and gives its sink's output", async () => {
    const enrich = new Dag<{ symbol: string }, string>();
    enrich
      .node((q: { symbol: string }) => q.symbol, { label: "symbol" })
      .to(enrich.node((s: string) => `${s}!`, { label: "mark" }));
    const dag = fed({ symbol: "AAPL" }, (d) => d.node(enrich, { label: "enrich" }));
    expect((await dag.run()).outputs).toEqual({ enrich: "AAPL!" });
  });

  it("pauses the parent when the sub-DAG pauses", async () => {
    const sub = oneNode("ask", (_: unknown, ctx: NodeContext) => {
      ctx.pause();
      return 1;
    });
    sub.get("ask")?.to(sub.node((n: number) => n + 1, { label: "after" }));
    const dag = fed(1, (d) => d.node(sub, { label: "call" }));
    const result = await dag.run();
    expect(result.status).toBe("paused");
  });
});
