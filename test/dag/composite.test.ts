import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import {
  DuplicateLabel,
  InvalidBranches,
  InvalidMapNode,
  InvalidSubDag,
} from "../../src/dag/errors.js";
import { shapeOf } from "../../src/dag/fingerprint.js";
import { SwitchNode } from "../../src/dag/SwitchNode.js";
import { Namespace } from "../../src/namespace/Namespace.js";

/** The error `f` throws (fails the test if it returns). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw, it returned");
}

/** A chain of `labels`: one source, one sink. */
function chain(...labels: string[]): Dag {
  const dag = new Dag();
  let last: ReturnType<Dag["node"]> | undefined;
  for (const label of labels) {
    const node = dag.node((x: unknown) => x, { label });
    last?.to(node);
    last = node;
  }
  return dag;
}

describe("dag.map: the sub-DAG needs one source and one sink", () => {
  it("refuses a sub-DAG with two sources, naming them", () => {
    const sub = new Dag();
    const a = sub.node((x: unknown) => x, { label: "a" });
    const b = sub.node((x: unknown) => x, { label: "b" });
    const join = sub.node((x: unknown) => x, { label: "join" });
    a.to(join, { as: "a" });
    b.to(join, { as: "b" });
    const dag = new Dag();
    const error = thrown(() => dag.map(sub, { label: "each" })) as InvalidSubDag;
    expect(error).toBeInstanceOf(InvalidSubDag);
    expect(error).toMatchObject({ nodeLabel: "each", branch: undefined });
    expect(error.message).toContain('The sub-DAG of "each" has 2 sources (a, b)');
    expect(error.message).toContain("exactly one");
    // Nothing was added: the label is still free.
    expect(dag.nodes).toEqual([]);
  });

  it("refuses a sub-DAG with two sinks, naming them", () => {
    const sub = new Dag();
    const root = sub.node((x: unknown) => x, { label: "root" });
    root.to(sub.node((x: unknown) => x, { label: "left" }));
    root.to(sub.node((x: unknown) => x, { label: "right" }));
    const error = thrown(() => new Dag().map(sub, { label: "each" })) as InvalidSubDag;
    expect(error._tag).toBe("InvalidSubDag");
    expect(error.message).toContain("has 2 sinks (left, right)");
  });

  it("refuses an empty sub-DAG", () => {
    const error = thrown(() => new Dag().map(new Dag(), { label: "each" })) as InvalidSubDag;
    expect(error._tag).toBe("InvalidSubDag");
    expect(error.message).toContain("has no nodes");
  });

  it("names the branch of a mapped switch whose sub-DAG has two sources", () => {
    const sub = new Dag();
    sub.node((x: unknown) => x, { label: "p" });
    sub.node((x: unknown) => x, { label: "q" });
    const dag = new Dag();
    const route = dag.switch({ ok: chain("one"), bad: sub }, { label: "route" });
    const error = thrown(() => dag.map(route)) as InvalidSubDag;
    expect(error).toMatchObject({ _tag: "InvalidSubDag", nodeLabel: "route", branch: "bad" });
    expect(error.message).toContain('(branch "bad") has 2 sources (p, q)');
    // The switch node stays as it was.
    expect(dag.get("route")).toBe(route);
  });

  it("accepts a sub-DAG whose single source is its single sink, and a chain", () => {
    const dag = new Dag();
    expect(dag.map(chain("only"), { label: "one" }).spec.kind).toBe("map");
    expect(dag.map(chain("a", "b", "c"), { label: "three" }).spec.kind).toBe("map");
    expect(dag.check()).toBeUndefined();
  });

  it("does not require one source and one sink of a call node or a plain switch", () => {
    const sub = new Dag();
    sub.node((x: unknown) => x, { label: "p" });
    sub.node((x: unknown) => x, { label: "q" });
    const dag = new Dag();
    dag.node(sub, { label: "call" });
    dag.switch({ both: sub }, { label: "route" });
    expect(dag.check()).toBeUndefined();
  });
});

describe("dag.check looks inside sub-DAGs", () => {
  it("reports a mapped sub-DAG that grew a second sink after dag.map()", () => {
    const sub = chain("a");
    const dag = new Dag();
    dag.map(sub, { label: "each" });
    expect(dag.check()).toBeUndefined();
    sub.get("a")?.to(sub.node((x: unknown) => x, { label: "b" }));
    sub.get("a")?.to(sub.node((x: unknown) => x, { label: "c" }));
    const problem = dag.check();
    expect(problem?._tag).toBe("InvalidSubDag");
    expect(problem?.message).toContain("has 2 sinks (b, c)");
  });

  it("reports a sub-DAG that is invalid itself, with its own problem", () => {
    const sub = new Dag();
    const a = sub.node((x: unknown) => x, { label: "a" });
    const b = sub.node((x: unknown) => x, { label: "b" });
    a.to(b).to(a);
    const dag = new Dag();
    dag.node(sub, { label: "call" });
    const problem = dag.check() as InvalidSubDag;
    expect(problem).toMatchObject({ _tag: "InvalidSubDag", nodeLabel: "call" });
    expect(problem.message).toContain("is invalid: The DAG has a cycle: a → b → a");
    expect(() => dag.validate()).toThrow(InvalidSubDag);
  });

  it("reports a DAG that runs itself, directly or through another", () => {
    const self = new Dag();
    self.node(self, { label: "again" });
    expect(self.check()?.message).toContain('"again" contains the DAG that runs it');

    const outer = new Dag();
    const inner = new Dag();
    outer.node(inner, { label: "down" });
    inner.node(outer, { label: "up" });
    const problem = outer.check() as InvalidSubDag;
    expect(problem.nodeLabel).toBe("down");
    expect(problem.message).toContain('"up" contains the DAG that runs it');
  });

  it("lets two nodes run the same sub-DAG (a DAG used twice is not a loop)", () => {
    const sub = chain("x");
    const dag = new Dag();
    dag.node(sub, { label: "first" }).to(dag.node(sub, { label: "second" }));
    dag.map(sub, { label: "third" });
    expect(dag.check()).toBeUndefined();
  });
});

describe("dag.map: targets and options", () => {
  it("refuses a function, naming it, and a registered function", () => {
    const dag = new Dag();
    const error = thrown(() => dag.map(((x: number) => x) as never)) as InvalidMapNode;
    expect(error).toBeInstanceOf(InvalidMapNode);
    expect(error.message).toContain("it got a function; put a function in a one-node Dag");
    const ns = new Namespace();
    const fetch = ns.register(() => 1, { nsref: "market:fetch" });
    expect((thrown(() => dag.map(fetch as never)) as Error).message).toContain(
      'the registered function "market:fetch"',
    );
    expect((thrown(() => dag.map(42 as never)) as Error).message).toContain("it got number");
  });

  it("maps a DAG registered in a namespace, labelled by its nsref's leaf", () => {
    const ns = new Namespace();
    const registered = ns.register(chain("inner"), { nsref: "pipelines:per_chunk" });
    const node = new Dag().map(registered);
    expect(node.label).toBe("per_chunk");
    expect(node.spec).toMatchObject({ kind: "map", over: { kind: "dag" } });
  });

  it("refuses a concurrency that is not a positive integer", () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      const error = thrown(() =>
        new Dag().map(chain("a"), { label: "each", concurrency }),
      ) as InvalidMapNode;
      expect(error._tag).toBe("InvalidMapNode");
      expect(error.message).toContain(`concurrency must be a positive integer, not ${concurrency}`);
    }
  });

  it("refuses a label already taken", () => {
    const dag = new Dag();
    dag.node(() => 1, { label: "each" });
    expect(() => dag.map(chain("a"), { label: "each" })).toThrow(DuplicateLabel);
  });

  it("records the node's kind in the DAG's shape (so its fingerprint differs from a call)", () => {
    const sub = chain("a");
    const mapped = new Dag();
    mapped.map(sub, { label: "n" });
    const called = new Dag();
    called.node(sub, { label: "n" });
    expect(shapeOf(mapped).nodes).toEqual(["n=map"]);
    expect(shapeOf(called).nodes).toEqual(["n=dag"]);
  });
});

describe("dag.switch: branches", () => {
  it("takes an object of label → DAG, function or namespace node", () => {
    const ns = new Namespace();
    const registered = ns.register((x: number) => x, { nsref: "util:ident" });
    const dag = new Dag();
    const route = dag.switch(
      { dag: chain("a"), fn: (x: number) => x + 1, ns: registered },
      { label: "route" },
    );
    expect(route).toBeInstanceOf(SwitchNode);
    const spec = route.spec;
    if (spec.kind !== "switch") throw new Error("not a switch");
    expect([...spec.branches.keys()]).toEqual(["dag", "fn", "ns"]);
    // A function branch becomes a one-node DAG whose node has the branch's label.
    const fnDag = spec.branches.get("fn")?.dag as Dag;
    expect(fnDag.nodes.map((n) => n.label)).toEqual(["fn"]);
    expect(spec.branches.get("ns")?.nsref).toBe("util:ident");
  });

  it("takes the labels of an array from the functions' names and nsrefs' leaves", () => {
    const ns = new Namespace();
    const large = ns.register((x: number) => x, { nsref: "orders:large" });
    function small(x: number) {
      return x;
    }
    const route = new Dag().switch([small, large], { label: "route" });
    if (route.spec.kind !== "switch") throw new Error("not a switch");
    expect([...route.spec.branches.keys()]).toEqual(["small", "large"]);
  });

  it("refuses an anonymous function or a DAG in an array, naming its place", () => {
    const error = thrown(() =>
      new Dag().switch([function named() {}, chain("a")], { label: "route" }),
    ) as InvalidBranches;
    expect(error).toBeInstanceOf(InvalidBranches);
    expect(error.message).toBe(
      'The branches of switch "route" are invalid: branch 1 has no name; give it a named function, or pass an object of label → branch.',
    );
  });

  it("refuses no branches, two branches with one name, and a branch that is no branch", () => {
    const dag = new Dag();
    expect((thrown(() => dag.switch({}, { label: "s1" })) as Error).message).toContain(
      "there are none",
    );
    function twin() {}
    const other = { twin: () => 1 }.twin;
    expect(other.name).toBe("twin");
    expect((thrown(() => dag.switch([twin, other], { label: "s2" })) as Error).message).toContain(
      'two branches are labelled "twin"',
    );
    expect(
      (thrown(() => dag.switch({ bad: 42 as never }, { label: "s3" })) as Error).message,
    ).toContain('branch "bad" is number');
    expect((thrown(() => dag.switch("x" as never, { label: "s4" })) as Error).message).toContain(
      "got string",
    );
    // None of the refused switches was added.
    expect(dag.nodes).toEqual([]);
  });
});

describe("dag.map(dag.switch(...)): map-switch", () => {
  it("turns the unwired switch node into the map node, keeping its label unless given one", () => {
    const dag = new Dag();
    const source = dag.node(() => [], { label: "items" });
    const route = dag.switch({ a: chain("x") }, { label: "route" });
    const mapped = dag.map(route);
    expect(mapped.label).toBe("route");
    expect(dag.get("route")).toBe(mapped);
    expect(mapped.spec).toMatchObject({ kind: "map", over: { kind: "switch" } });
    source.to(mapped);
    expect(dag.nodes.map((n) => n.label)).toEqual(["items", "route"]);

    const other = new Dag();
    const renamed = other.map(other.switch({ a: chain("x") }), { label: "each" });
    expect(other.nodes.map((n) => n.label)).toEqual(["each"]);
    expect(renamed.label).toBe("each");
  });

  it("carries the switch's node options to the map node", () => {
    const dag = new Dag();
    const mapped = dag.map(dag.switch({ a: chain("x") }, { label: "r", timeout: 500 }));
    expect(mapped.spec.options.timeout).toBe(500);
  });

  it("refuses a switch that is already wired, or belongs to another DAG", () => {
    const dag = new Dag();
    const route = dag.switch({ a: chain("x") }, { label: "route" });
    dag.node(() => ["a", 1] as const, { label: "src" }).to(route);
    expect((thrown(() => dag.map(route)) as Error).message).toContain(
      'the switch "route" is already wired',
    );
    const foreign = new Dag().switch({ a: chain("x") }, { label: "elsewhere" });
    expect((thrown(() => dag.map(foreign)) as Error).message).toContain(
      'the switch "elsewhere" is not a node of this DAG',
    );
  });

  it("cannot map the same switch twice", () => {
    const dag = new Dag();
    const route = dag.switch({ a: chain("x") }, { label: "route" });
    dag.map(route, { label: "first" });
    expect(() => dag.map(route, { label: "second" })).toThrow(InvalidMapNode);
  });
});
