import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { InvalidDagFactory, InvalidSubDag } from "../../src/dag/errors.js";
import { DuplicateNsref, InvalidNsref } from "../../src/namespace/errors.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-factory-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The error `f` throws (fails the test if it returns). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw, it returned");
}

describe("ns.registerFactory", () => {
  it("builds the DAG once, at registration, handing the factory the namespace", () => {
    const ns = new Namespace();
    ns.register((s: string) => s.split(" ").length, { nsref: "text:count" });
    const seen: unknown[] = [];
    const node = ns.registerFactory(
      (given) => {
        seen.push(given);
        const dag = new Dag<string, number>();
        dag.node(given.get("text:count"), { label: "count" });
        return dag;
      },
      { nsref: "pipelines:count", tags: ["text"] },
    );
    expect(seen).toEqual([ns]);
    expect(node.kind).toBe("dag");
    expect(ns.get("pipelines:count")).toBe(node);
    expect(ns.query("text").map((n) => n.nsref)).toEqual(["pipelines:count"]);
    expect(seen).toHaveLength(1);
  });

  it("checks the nsref before running the factory", () => {
    const ns = new Namespace();
    let built = 0;
    const factory = () => {
      built += 1;
      const dag = new Dag();
      dag.node(() => 1, { label: "one" });
      return dag;
    };
    expect(thrown(() => ns.registerFactory(factory, { nsref: "no colon" }))).toBeInstanceOf(
      InvalidNsref,
    );
    ns.registerFactory(factory, { nsref: "p:one" });
    expect(thrown(() => ns.registerFactory(factory, { nsref: "p:one" }))).toBeInstanceOf(
      DuplicateNsref,
    );
    expect(built).toBe(1);
  });

  it("refuses a factory that returns no Dag, saying what it returned", () => {
    const ns = new Namespace();
    const error = thrown(() =>
      ns.registerFactory(() => undefined as never, { nsref: "p:broken" }),
    ) as InvalidDagFactory;
    expect(error).toBeInstanceOf(InvalidDagFactory);
    expect(error.message).toBe(
      'The factory registered as "p:broken" returned undefined, not a Dag. Make it return new Dag() with its nodes.',
    );
    expect(ns.has("p:broken")).toBe(false);
  });

  it("refuses an invalid DAG as register does, and lets the factory's own throw through", () => {
    const ns = new Namespace();
    const twoSources = new Dag();
    twoSources.node(() => 1, { label: "a" });
    twoSources.node(() => 2, { label: "b" });
    const error = thrown(() =>
      ns.registerFactory(
        () => {
          const dag = new Dag();
          dag.node(twoSources, { label: "call" });
          // A sub-DAG made invalid after it was wired: validate() catches it.
          const a = twoSources.get("a");
          const b = twoSources.get("b");
          a?.to(b as never);
          b?.to(a as never);
          return dag;
        },
        { nsref: "p:cyclic" },
      ),
    );
    expect(error).toBeInstanceOf(InvalidSubDag);
    expect(ns.has("p:cyclic")).toBe(false);
    const boom = new Error("factory broke");
    expect(
      thrown(() =>
        ns.registerFactory(
          () => {
            throw boom;
          },
          { nsref: "p:boom" },
        ),
      ),
    ).toBe(boom);
  });

  it("registers a DAG that maps another registered DAG, and runs it with its child runs", async () => {
    const ns = new Namespace();
    ns.registerFactory(
      () => {
        const dag = new Dag<string, number>();
        dag.node((chunk: string) => chunk.split(" ").length, { label: "count" });
        return dag;
      },
      { nsref: "text:count_chunk" },
    );
    const wordCount = ns.registerFactory(
      (given) => {
        const dag = new Dag<{ text: string }, number>();
        dag
          .node((input: { text: string }) => input.text.split("\n"), { label: "chunks" })
          .to(dag.map(given.get("text:count_chunk"), { label: "counts" }))
          .to(dag.node((ns: number[]) => ns.reduce((a, b) => a + b, 0), { label: "total" }));
        return dag;
      },
      { nsref: "pipelines:word_count" },
    );
    const provenance = new DagProvenance(path.join(dir, "runs.db"));
    try {
      const result = await wordCount.call({ text: "a b\nc d e" }, { provenance });
      expect(result).toMatchObject({ status: "completed", outputs: { total: 5 } });
      const children = await provenance.getChildRuns(result.runId);
      const rows = children.map((c) => [c.expansionKey, c.dagNsref]);
      expect(rows.sort()).toEqual([
        ["counts[0]", "text:count_chunk"],
        ["counts[1]", "text:count_chunk"],
      ]);
    } finally {
      provenance.close();
    }
  });
});
