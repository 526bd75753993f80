import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { shapeOf } from "../../src/dag/fingerprint.js";
import { dagGraphOf } from "../../src/inspect/dagGraph.js";
import { dagToMermaid } from "../../src/inspect/dagToMermaid.js";
import { recordedShape } from "../../src/inspect/recordedShape.js";
import { runToMermaid } from "../../src/inspect/runToMermaid.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { sharedHistory } from "./fixtures/sharedHistory.js";

const shared = sharedHistory();
beforeAll(shared.setup);
afterAll(shared.cleanup);

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});
const stores = () => {
  const triggers = new TriggerStore(shared.history.triggerPath, { readonly: true });
  const provenance = new DagProvenance(shared.history.provenancePath, { readonly: true });
  opened.push(triggers, provenance);
  return { triggers, provenance };
};
const dagOf = (nsref: string): Dag => {
  const spec = shared.history.namespace.get(nsref).spec;
  if (spec.kind !== "dag") throw new Error(`${nsref} is not a DAG`);
  return spec.dag as Dag;
};
/** The run id of a trigger's first ledger row with this status. */
const runOf = async (trigger: string, status: string) => {
  const events = await stores().triggers.getEvents(trigger);
  const runId = events.find((e) => e.status === status)?.runId;
  if (runId === undefined) throw new Error(`no ${status} run of ${trigger}`);
  return runId;
};

describe("dagToMermaid", () => {
  it("draws a registered DAG with its labels, what each node runs, and its edges", () => {
    expect(dagToMermaid(dagOf("pipelines:market_summary"))).toBe(
      [
        "flowchart LR",
        '  n0["fetch<br/><small>market:fetch</small>"]',
        '  n1["total<br/><small>market:total</small>"]',
        "  n0 --> n1",
        "",
      ].join("\n"),
    );
  });

  it("labels fan-in edges with their name, escapes labels, and takes a direction and title", () => {
    const dag = new Dag();
    const a = dag.node(async () => 1, { label: 'say "hi" <b>' });
    const b = dag.node(async () => 2, { label: "b" });
    const c = dag.node(async (input: unknown) => input, { label: "join" });
    a.to(c, { as: "left" });
    b.to(c);
    expect(dagToMermaid(dag, { direction: "TD", title: "demo" })).toBe(
      [
        "%% demo",
        "flowchart TD",
        '  n0["say #quot;hi#quot; #lt;b#gt;<br/><small>function</small>"]',
        '  n1["b<br/><small>function</small>"]',
        '  n2["join<br/><small>function</small>"]',
        "  n0 -->|left| n2",
        "  n1 --> n2",
        "",
      ].join("\n"),
    );
  });

  it("reads a recorded shape back to the same graph as the DAG, labels with separators included", () => {
    const dag = new Dag();
    const a = dag.node(async () => 1, { label: "a->b" });
    const b = dag.node(async (x: unknown) => x, { label: "c:d" });
    a.to(b, { as: "in" });
    a.to(dag.node(async (x: unknown) => x, { label: "e" }));
    expect(dagGraphOf(shapeOf(dag))).toEqual(dagGraphOf(dag));
    expect(dagToMermaid(shapeOf(dag))).toBe(dagToMermaid(dag));
  });
});

describe("runToMermaid on runs recorded by a real supervisor", () => {
  it("colours a failed run: the completed source green, the failing node red", async () => {
    const { provenance } = stores();
    const runId = await runOf("failing", "failed");
    const run = await provenance.getRun(runId);
    if (run === undefined) throw new Error("run not recorded");
    const picture = runToMermaid(dagOf("pipelines:failing"), run);
    expect(picture).toBe(
      [
        `%% run ${runId} of pipelines:failing: failed`,
        "flowchart LR",
        '  n0["fetch<br/><small>completed</small>"]:::completed',
        '  n1["publish<br/><small>failed</small>"]:::failed',
        "  n0 --> n1",
        "  classDef completed fill:#d3f9d8,stroke:#2b8a3e,color:#000",
        "  classDef failed fill:#ffe3e3,stroke:#c92a2a,color:#000",
        "",
      ].join("\n"),
    );
    // Drawn from the shape the run recorded, without the module: the same picture.
    const shape = await recordedShape(provenance, runId);
    expect(shape).toBeDefined();
    if (shape) expect(runToMermaid(shape, run)).toBe(picture);
  });

  it("colours an interrupted run, and draws an edge its data never travelled dotted", async () => {
    const { provenance } = stores();
    const runId = await runOf("stuck", "interrupted");
    const run = await provenance.getRun(runId);
    if (run === undefined) throw new Error("run not recorded");
    const picture = runToMermaid(dagOf("pipelines:stuck"), run);
    expect(picture).toContain('  n0["hang<br/><small>interrupted</small>"]:::interrupted');
    expect(picture).toContain("  classDef interrupted fill:#fff4e6");
    expect(picture).not.toContain("classDef completed");

    const completed = await provenance.getRun(await runOf("every_minute", "completed"));
    if (completed === undefined) throw new Error("run not recorded");
    const extended = new Dag();
    const fetch = extended.node(async () => 1, { label: "fetch" });
    fetch.to(extended.node(async (x: unknown) => x, { label: "total" }));
    fetch.to(extended.node(async (x: unknown) => x, { label: "audit" }));
    const drawn = runToMermaid(extended, completed);
    expect(drawn).toContain("  n0 --> n1");
    expect(drawn).toContain("  n0 -.-> n2");
    expect(drawn).toContain('  n2["audit<br/><small>pending</small>"]:::pending');
  });

  it("has no recorded shape for an unknown run", async () => {
    expect(await recordedShape(stores().provenance, "no-such-run")).toBeUndefined();
  });
});
