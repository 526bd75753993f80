import { describe, expect, it } from "vitest";
import { type DagEdge, topologicalOrder } from "../../src/dag/topologicalOrder.js";

const edge = (from: string, to: string): DagEdge => ({ from, to, as: undefined });

describe("topologicalOrder", () => {
  it("keeps insertion order when there are no edges", () => {
    expect(topologicalOrder(["c", "a", "b"], [])).toEqual({ order: ["c", "a", "b"] });
  });

  it("puts every node after its upstreams", () => {
    const result = topologicalOrder(["c", "b", "a"], [edge("a", "b"), edge("b", "c")]);
    expect(result).toEqual({ order: ["a", "b", "c"] });
  });

  it("breaks ties by insertion order, also for nodes freed later", () => {
    // a frees d first, then b frees c; a FIFO queue would give a, b, d, c. Insertion
    // order (c before d) must win.
    const result = topologicalOrder(["a", "b", "c", "d"], [edge("a", "d"), edge("b", "c")]);
    expect(result).toEqual({ order: ["a", "b", "c", "d"] });
  });

  it("inserts a freed node before later-inserted ready nodes", () => {
    // x is ready at start (index 2); b is freed by a (index 1): b must precede x.
    const result = topologicalOrder(["a", "b", "x"], [edge("a", "b")]);
    expect(result).toEqual({ order: ["a", "b", "x"] });
  });

  it("orders a diamond with its branches in insertion order", () => {
    const edges = [edge("a", "c"), edge("a", "b"), edge("b", "d"), edge("c", "d")];
    expect(topologicalOrder(["a", "b", "c", "d"], edges)).toEqual({
      order: ["a", "b", "c", "d"],
    });
    expect(topologicalOrder(["a", "c", "b", "d"], edges)).toEqual({
      order: ["a", "c", "b", "d"],
    });
  });

  it("is the same from call to call", () => {
    const labels = ["e", "d", "c", "b", "a"];
    const edges = [edge("a", "b"), edge("c", "b"), edge("e", "a")];
    const first = topologicalOrder(labels, edges);
    for (let i = 0; i < 5; i++) expect(topologicalOrder(labels, edges)).toEqual(first);
    expect(first).toEqual({ order: ["e", "d", "c", "a", "b"] });
  });

  it("returns a two-node cycle with its first label repeated last", () => {
    expect(topologicalOrder(["a", "b"], [edge("a", "b"), edge("b", "a")])).toEqual({
      cycle: ["a", "b", "a"],
    });
  });

  it("returns only the nodes on the cycle, not the path leading to it", () => {
    const result = topologicalOrder(
      ["s", "x", "y", "z"],
      [edge("s", "x"), edge("x", "y"), edge("y", "z"), edge("z", "x")],
    );
    expect(result).toEqual({ cycle: ["x", "y", "z", "x"] });
  });

  it("reports a self-loop as a cycle", () => {
    expect(topologicalOrder(["a", "b"], [edge("a", "b"), edge("b", "b")])).toEqual({
      cycle: ["b", "b"],
    });
  });
});
