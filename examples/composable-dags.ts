/**
 * Composable DAGs: a word count that maps a sub-DAG over each chunk of a text, calls a
 * sub-DAG to enrich the total, and switches to a report by size. Each sub-DAG run is a
 * child run in the history, keyed by where it expanded ("counts[2]", "enrich",
 * "report:long").
 *
 * Run it with `npm run demo:composable`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Dag, DagProvenance, Namespace } from "../src/index.js";

const ns = new Namespace();

// map: count the words of each chunk.
ns.registerFactory(
  () => {
    const perChunk = new Dag<string, number>();
    perChunk.node((chunk: string) => chunk.split(/\s+/).filter(Boolean).length, { label: "count" });
    return perChunk;
  },
  { nsref: "text:count_chunk" },
);

// call: enrich the total with a label.
const enrich = new Dag<number, { words: number; size: "short" | "long" }>();
enrich.node(
  (words: number) => ({ words, size: words > 5 ? ("long" as const) : ("short" as const) }),
  {
    label: "classify",
  },
);

// switch: route by size.
const long = new Dag<{ words: number }, string>();
long.node((r: { words: number }) => `long text: ${r.words} words`, { label: "report" });
const short = (r: { words: number }) => `short text: ${r.words} words`;

ns.registerFactory(
  (ns) => {
    const dag = new Dag<{ text: string }, string>();
    dag
      .node((input: { text: string }) => input.text.split("\n"), { label: "chunks" })
      .to(dag.map(ns.get("text:count_chunk"), { label: "counts", concurrency: 2 }))
      .to(dag.node((counts: number[]) => counts.reduce((a, b) => a + b, 0), { label: "total" }))
      .to(dag.node(enrich, { label: "enrich" }))
      .to(
        dag.node((r: { words: number; size: "short" | "long" }) => [r.size, r] as const, {
          label: "route_by_size",
        }),
      )
      .to(dag.switch({ long, short }, { label: "report" }));
    return dag;
  },
  { nsref: "pipelines:word_count" },
);

const dir = process.env.TICKFLOW_DATA ?? fs.mkdtempSync(path.join(os.tmpdir(), "composable-"));
const provenance = new DagProvenance(path.join(dir, "provenance.db"));
const result = await ns
  .get("pipelines:word_count")
  .call({ text: "the quick brown fox\njumps over\nthe lazy dog" }, { provenance });
console.log(result.status, result.outputs);
console.log("child runs:");
for (const child of await provenance.getChildRuns(result.runId)) {
  console.log(`  ${child.expansionKey}: ${child.status} (${child.dagNsref})`);
}
provenance.close();
