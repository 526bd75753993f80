import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import {
  DagCycle,
  DuplicateLabel,
  EmptyDag,
  ForeignEdge,
  InvalidNodeTarget,
  SchemaMismatch,
} from "../../src/dag/errors.js";
import { fingerprint } from "../../src/dag/fingerprint.js";
import { Namespace } from "../../src/namespace/Namespace.js";

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

const labels = (nodes: readonly { label: string }[]) => nodes.map((node) => node.label);

function fetchPrices() {
  return { AAPL: 185 };
}
function summarize(prices: Record<string, number>) {
  return Object.keys(prices).length;
}

describe("Dag.node labels", () => {
  it("labels a function node with the function's name", () => {
    const dag = new Dag();
    expect(dag.node(fetchPrices).label).toBe("fetchPrices");
  });

  it("labels a namespace node with its nsref's leaf", () => {
    const ns = new Namespace();
    ns.register(fetchPrices, { nsref: "market.eu:fetch_eu" });
    const dag = new Dag();
    expect(dag.node(ns.get("market.eu:fetch_eu")).label).toBe("fetch_eu");
  });

  it("uses a given label instead of the default", () => {
    const dag = new Dag();
    expect(dag.node(fetchPrices, { label: "prices" }).label).toBe("prices");
  });

  it("gives distinct labels to anonymous functions and sub-DAGs", () => {
    const dag = new Dag();
    const sub = new Dag();
    sub.node(fetchPrices);
    const a = dag.node(() => 1);
    const b = dag.node(() => 2);
    const c = dag.node(sub);
    expect(new Set([a.label, b.label, c.label]).size).toBe(3);
  });

  it("keeps nodes in insertion order and finds them by label", () => {
    const dag = new Dag();
    const s = dag.node(summarize);
    const f = dag.node(fetchPrices);
    expect(labels(dag.nodes)).toEqual(["summarize", "fetchPrices"]);
    expect(dag.get("fetchPrices")).toBe(f);
    expect(dag.get("summarize")).toBe(s);
    expect(dag.get("nope")).toBeUndefined();
  });

  it("rejects a duplicate label with DuplicateLabel saying to pass label", () => {
    const dag = new Dag();
    dag.node(fetchPrices);
    const error = thrown(() => dag.node(fetchPrices));
    expect(error).toBeInstanceOf(DuplicateLabel);
    expect(error).toMatchObject({ _tag: "DuplicateLabel", label: "fetchPrices" });
    expect((error as DuplicateLabel).message).toContain("label");
    expect((error as DuplicateLabel).message).toContain("fetchPrices");
    // The duplicate was not added.
    expect(dag.nodes).toHaveLength(1);
  });

  it("rejects two namespace nodes with the same leaf unless one is relabelled", () => {
    const ns = new Namespace();
    ns.register(fetchPrices, { nsref: "eu:fetch" });
    ns.register(fetchPrices, { nsref: "us:fetch" });
    const dag = new Dag();
    dag.node(ns.get("eu:fetch"));
    expect(thrown(() => dag.node(ns.get("us:fetch")))).toBeInstanceOf(DuplicateLabel);
    expect(dag.node(ns.get("us:fetch"), { label: "fetch_us" }).label).toBe("fetch_us");
  });

  it.each([
    [42, "number"],
    ["market:fetch", "string"],
    [null, "null"],
    [[1, 2], "an array"],
    [{ nsref: "a:b" }, "object"],
  ])("rejects %j with InvalidNodeTarget", (target, received) => {
    const dag = new Dag();
    const error = thrown(() => dag.node(target as never));
    expect(error).toBeInstanceOf(InvalidNodeTarget);
    expect(error).toMatchObject({ _tag: "InvalidNodeTarget", received });
    expect((error as InvalidNodeTarget).message).toContain(received);
    expect(dag.nodes).toHaveLength(0);
  });
});

describe("DagNode.to", () => {
  it("returns its argument so that chains read left to right", () => {
    const dag = new Dag();
    const a = dag.node(() => 1, { label: "a" });
    const b = dag.node((x: number) => x + 1, { label: "b" });
    const c = dag.node((x: number) => x * 2, { label: "c" });
    expect(a.to(b)).toBe(b);
    const end = dag.node((x: number) => x, { label: "d" });
    expect(c.to(end)).toBe(end);
    expect(dag.edges.map((e) => `${e.from}->${e.to}`)).toEqual(["a->b", "c->d"]);
  });

  it("builds a chain a → b → c with one expression", () => {
    const dag = new Dag();
    dag
      .node(() => 1, { label: "a" })
      .to(dag.node((x: number) => x + 1, { label: "b" }))
      .to(dag.node((x: number) => x * 2, { label: "c" }));
    expect(dag.edges.map((e) => `${e.from}->${e.to}`)).toEqual(["a->b", "b->c"]);
    expect(labels(dag.sources())).toEqual(["a"]);
    expect(labels(dag.sinks())).toEqual(["c"]);
  });

  it("fans out: one source, two sinks", () => {
    const dag = new Dag();
    const a = dag.node(() => 1, { label: "a" });
    a.to(dag.node((x: number) => x, { label: "b" }));
    a.to(dag.node((x: number) => x, { label: "c" }));
    expect(dag.downstreamEdges("a").map((e) => e.to)).toEqual(["b", "c"]);
    expect(labels(dag.sources())).toEqual(["a"]);
    expect(labels(dag.sinks())).toEqual(["b", "c"]);
  });

  it("fans in: two sources, one sink, keyed by label by default", () => {
    const dag = new Dag();
    const d = dag.node((x: { b: number; c: number }) => x.b + x.c, { label: "d" });
    dag.node(() => 1, { label: "b" }).to(d, {});
    dag.node(() => 2, { label: "c" }).to(d, {});
    expect(dag.upstreamEdges("d")).toEqual([
      { from: "b", to: "d", as: undefined },
      { from: "c", to: "d", as: undefined },
    ]);
    expect(labels(dag.sources())).toEqual(["b", "c"]);
    expect(labels(dag.sinks())).toEqual(["d"]);
  });

  it("records the `as` name of a fan-in edge", () => {
    const dag = new Dag();
    const d = dag.node((x: { left: number; right: number }) => x.left, { label: "d" });
    dag.node(() => 1, { label: "b" }).to(d, { as: "left" });
    dag.node(() => 2, { label: "c" }).to(d, { as: "right" });
    expect(dag.upstreamEdges("d").map((e) => e.as)).toEqual(["left", "right"]);
  });

  it("treats an isolated node as both source and sink", () => {
    const dag = new Dag();
    dag.node(() => 1, { label: "alone" });
    dag.node(() => 1, { label: "a" }).to(dag.node((x: number) => x, { label: "b" }));
    expect(labels(dag.sources())).toEqual(["alone", "a"]);
    expect(labels(dag.sinks())).toEqual(["alone", "b"]);
  });
});

describe("Dag.topologicalOrder", () => {
  it("orders upstreams first and breaks ties by insertion order", () => {
    const dag = new Dag();
    const sink = dag.node((x: unknown) => x, { label: "sink" });
    const z = dag.node(() => 1, { label: "z" });
    const y = dag.node(() => 1, { label: "y" });
    const x = dag.node(() => 1, { label: "x" });
    x.to(sink, {});
    z.to(sink, {});
    y.to(sink, {});
    expect(labels(dag.topologicalOrder())).toEqual(["z", "y", "x", "sink"]);
  });

  it("returns the same order every time", () => {
    const dag = new Dag();
    const a = dag.node(() => 1, { label: "a" });
    const c = dag.node((n: number) => n, { label: "c" });
    const b = dag.node((n: number) => n, { label: "b" });
    a.to(c);
    a.to(b);
    const first = labels(dag.topologicalOrder());
    expect(first).toEqual(["a", "c", "b"]);
    expect(labels(dag.topologicalOrder())).toEqual(first);
  });

  it("throws DagCycle listing the cycle", () => {
    const dag = new Dag();
    const a = dag.node((n: number) => n, { label: "a" });
    const b = dag.node((n: number) => n, { label: "b" });
    a.to(b).to(a);
    const error = thrown(() => dag.topologicalOrder());
    expect(error).toBeInstanceOf(DagCycle);
    expect((error as DagCycle).cycle).toEqual(["a", "b", "a"]);
  });
});

describe("Dag.validate", () => {
  it("passes a well-formed DAG", () => {
    const dag = new Dag();
    dag.node(fetchPrices).to(dag.node(summarize));
    expect(() => dag.validate()).not.toThrow();
    expect(dag.check()).toBeUndefined();
  });

  it("throws EmptyDag for a DAG with no nodes", () => {
    const error = thrown(() => new Dag().validate());
    expect(error).toBeInstanceOf(EmptyDag);
    expect(error).toMatchObject({ _tag: "EmptyDag" });
    expect((error as EmptyDag).message).toContain("no nodes");
  });

  it("names the DAG's nsref in EmptyDag when given one", () => {
    const problem = new Dag().check("pipelines:empty");
    expect(problem).toBeInstanceOf(EmptyDag);
    expect(problem?.message).toContain("pipelines:empty");
  });

  it("throws DagCycle whose cycle lists the labels around it, and only those", () => {
    const dag = new Dag();
    const start = dag.node(() => 1, { label: "start" });
    const a = dag.node((n: number) => n, { label: "a" });
    const b = dag.node((n: number) => n, { label: "b" });
    const c = dag.node((n: number) => n, { label: "c" });
    start.to(a, {});
    a.to(b).to(c).to(a, {});
    const error = thrown(() => dag.validate());
    expect(error).toBeInstanceOf(DagCycle);
    expect(error).toMatchObject({ _tag: "DagCycle", cycle: ["a", "b", "c", "a"] });
    expect((error as DagCycle).message).toContain("a → b → c → a");
  });

  it("throws ForeignEdge for an edge between two DAGs", () => {
    const first = new Dag();
    const second = new Dag();
    const f = first.node(fetchPrices);
    const g = second.node(summarize);
    expect(f.to(g)).toBe(g);
    const error = thrown(() => first.validate());
    expect(error).toBeInstanceOf(ForeignEdge);
    expect(error).toMatchObject({ _tag: "ForeignEdge", from: "fetchPrices", to: "summarize" });
    expect((error as ForeignEdge).message).toContain("two different DAGs");
    // The foreign edge was not added to either DAG.
    expect(first.edges).toHaveLength(0);
    expect(second.edges).toHaveLength(0);
  });

  it("catches a foreign node even when it has a label that exists in this DAG", () => {
    const first = new Dag();
    const second = new Dag();
    const a = first.node((n: number) => n, { label: "x" });
    first.node((n: number) => n, { label: "y" });
    const impostor = second.node((n: number) => n, { label: "y" });
    a.to(impostor);
    expect(thrown(() => first.validate())).toBeInstanceOf(ForeignEdge);
  });

  it("throws SchemaMismatch when a string output feeds a number input", () => {
    const dag = new Dag();
    const a = dag.node(() => "x", { label: "a", output: Schema.String });
    const b = dag.node((n: unknown) => n, { label: "b", input: Schema.Number });
    a.to(b);
    const error = thrown(() => dag.validate());
    expect(error).toBeInstanceOf(SchemaMismatch);
    expect(error).toMatchObject({ _tag: "SchemaMismatch", from: "a", to: "b" });
    expect((error as SchemaMismatch).reason).not.toBe("");
    expect((error as SchemaMismatch).message).toContain('"a"');
    expect((error as SchemaMismatch).message).toContain('"b"');
  });

  it("passes a compatible pair of schemas", () => {
    const dag = new Dag();
    const a = dag.node(() => ({ symbol: "AAPL", price: 1 }), {
      label: "a",
      output: Schema.Struct({ symbol: Schema.String, price: Schema.Number }),
    });
    const b = dag.node((q: unknown) => q, {
      label: "b",
      input: Schema.Struct({ symbol: Schema.String }),
    });
    a.to(b);
    expect(() => dag.validate()).not.toThrow();
  });

  it("compares schemas registered in a namespace too", () => {
    const ns = new Namespace();
    ns.register(() => "x", { nsref: "m:text", output: Schema.String });
    ns.register((n: number) => n, { nsref: "m:num", input: Schema.Number });
    const dag = new Dag();
    dag.node(ns.get("m:text")).to(dag.node(ns.get("m:num")));
    expect(thrown(() => dag.validate())).toBeInstanceOf(SchemaMismatch);
  });

  it("does not compare a fan-in input's schema against one upstream", () => {
    const dag = new Dag();
    const d = dag.node((x: unknown) => x, {
      label: "d",
      input: Schema.Struct({ left: Schema.String, right: Schema.String }),
    });
    dag.node(() => "l", { label: "l", output: Schema.String }).to(d, { as: "left" });
    dag.node(() => "r", { label: "r", output: Schema.String }).to(d, { as: "right" });
    expect(() => dag.validate()).not.toThrow();
  });
});

describe("fingerprint", () => {
  const build = (withEdge: boolean) => {
    const dag = new Dag();
    const a = dag.node(() => 1, { label: "a" });
    const b = dag.node((n: number) => n, { label: "b" });
    if (withEdge) a.to(b);
    return dag;
  };

  it("is the same for two DAGs of the same shape", () => {
    expect(fingerprint(build(true))).toBe(fingerprint(build(true)));
  });

  it("changes when the edges change", () => {
    expect(fingerprint(build(true))).not.toBe(fingerprint(build(false)));
  });
});
