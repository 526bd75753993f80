import { describe, expectTypeOf, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { DagNode } from "../../src/dag/DagNode.js";
import type { SwitchNode } from "../../src/dag/SwitchNode.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import type { NamespaceNode } from "../../src/namespace/NamespaceNode.js";
import type { DagRunResult } from "../../src/run/DagRunner.js";

/** Counts the words of one chunk of text. */
const countWords = new Dag<string, number>();
countWords.node((chunk: string) => chunk.split(" ").length, { label: "count" });

/** Splits one line into its words: an array result, flattened by a map. */
const splitWords = new Dag<string, string[]>();
splitWords.node((line: string) => line.split(" "), { label: "split" });

describe("dag.map types", () => {
  it("takes an array of the sub-DAG's input and gives an array of its output", () => {
    const dag = new Dag();
    expectTypeOf(dag.map(countWords, { label: "counts" })).toEqualTypeOf<
      DagNode<readonly string[], number[]>
    >();
  });

  it("flattens an array output into the element type (flat-map)", () => {
    const dag = new Dag();
    expectTypeOf(dag.map(splitWords, { label: "words" })).toEqualTypeOf<
      DagNode<readonly string[], string[]>
    >();
  });

  it("accepts an upstream whose output is an array of the sub-DAG's input", () => {
    const dag = new Dag();
    const chunks = dag.node(() => ["a b", "c"], { label: "chunks" });
    const counts = chunks.to(dag.map(countWords, { label: "counts" }));
    counts.to(dag.node((ns: number[]) => ns.length, { label: "total" }));
    const readonlyChunks = dag.node((): readonly string[] => ["x"], { label: "frozen" });
    readonlyChunks.to(dag.map(countWords, { label: "counts2" }));
  });

  it("rejects an upstream whose elements are not the sub-DAG's input", () => {
    const dag = new Dag();
    const numbers = dag.node(() => [1, 2, 3], { label: "numbers" });
    // @ts-expect-error number[] is not an array of string (countWords takes a string)
    numbers.to(dag.map(countWords, { label: "counts" }));
  });

  it("rejects an upstream that is not an array", () => {
    const dag = new Dag();
    const one = dag.node(() => "a b c", { label: "one" });
    // @ts-expect-error a string is not an array of strings
    one.to(dag.map(countWords, { label: "counts" }));
  });

  it("rejects a downstream that does not take the map's output", () => {
    const dag = new Dag();
    const counts = dag.map(countWords, { label: "counts" });
    // @ts-expect-error number[] cannot feed a node that takes string[]
    counts.to(dag.node((words: string[]) => words.join(), { label: "join" }));
  });

  it("types a keyed map: an object of inputs to an object of outputs", () => {
    const dag = new Dag();
    const regions = dag.node(() => ({ eu: "a b", us: "c" }), { label: "regions" });
    const keyed = regions.to(dag.map(countWords, { label: "perRegion", keyed: true }));
    expectTypeOf(keyed).toEqualTypeOf<
      DagNode<{ readonly [key: string]: string }, Record<string, number>>
    >();
    const list = dag.node(() => ["a"], { label: "list" });
    // @ts-expect-error an array is not an object of inputs for a keyed map
    list.to(dag.map(countWords, { keyed: true }));
  });

  it("leaves an undeclared sub-DAG open: any elements, unknown results", () => {
    const loose = new Dag();
    loose.node((x: number) => x, { label: "x" });
    expectTypeOf(new Dag().map(loose)).toEqualTypeOf<DagNode<readonly any[], unknown[]>>();
  });

  it("maps a DAG registered through a factory with its declared types", () => {
    const ns = new Namespace();
    const registered = ns.registerFactory(() => countWords, { nsref: "text:count" });
    expectTypeOf(registered).toEqualTypeOf<NamespaceNode<string, number, DagRunResult>>();
    expectTypeOf(new Dag().map(registered)).toEqualTypeOf<DagNode<readonly string[], number[]>>();
  });

  it("types a call node by the sub-DAG's declared types", () => {
    expectTypeOf(new Dag().node(countWords, { label: "call" })).toEqualTypeOf<
      DagNode<string, number>
    >();
  });
});

describe("dag.switch types", () => {
  const large = new Dag<{ id: number; total: number }, string>();
  large.node((o: { id: number; total: number }) => `review ${o.id}`, { label: "review" });
  const small = (o: { id: number }) => o.id;

  it("takes a tuple or a __switch__ object for one of its labels, and gives any branch's output", () => {
    const dag = new Dag();
    const route = dag.switch({ large, small }, { label: "route" });
    expectTypeOf(route).toMatchTypeOf<SwitchNode<any, string | number>>();
    const tuple = (): readonly ["large", { id: number; total: number }] => [
      "large",
      { id: 1, total: 9 },
    ];
    dag.node(tuple, { label: "tuple" }).to(route);
    dag.node(() => ({ __switch__: "small" as const, id: 2 }), { label: "object" }).to(route);
  });

  it("rejects an upstream routing to a label the switch does not have", () => {
    const dag = new Dag();
    const route = dag.switch({ large, small }, { label: "route" });
    const bad = dag.node(() => ({ __switch__: "medium" as const, id: 2 }), { label: "bad" });
    // @ts-expect-error "medium" is not one of the branch labels
    bad.to(route);
  });

  it("rejects data that the chosen branch cannot take", () => {
    const dag = new Dag();
    const route = dag.switch({ large, small }, { label: "route" });
    const partial = (): readonly ["large", { id: number }] => ["large", { id: 1 }];
    const bad = dag.node(partial, { label: "bad" });
    // @ts-expect-error "large" needs a total
    bad.to(route);
  });

  it("maps a switch: an array of routed values, flat-mapped branch outputs", () => {
    const dag = new Dag();
    const each = dag.map(dag.switch({ large, small }), { label: "each" });
    expectTypeOf(each).toMatchTypeOf<DagNode<readonly any[], (string | number)[]>>();
    dag.node(() => [{ __switch__: "small" as const, id: 1 }], { label: "items" }).to(each);
  });
});
