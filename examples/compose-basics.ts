/**
 * The compose core in one file: register functions in a namespace, wire them into a
 * fan-out / fan-in DAG, register the DAG, run it, and print the result.
 *
 * Run it with `npm run demo`.
 */
import { Dag, DagRunner, Namespace } from "../src/index.js";

const ns = new Namespace();

ns.register(async () => ({ AAPL: 185.0, GOOG: 140.0, MSFT: 410.5 }), {
  nsref: "market:fetch",
  tags: ["market", "io"],
});
ns.register((prices: Record<string, number>) => Object.values(prices).reduce((a, b) => a + b, 0), {
  nsref: "market:total",
  tags: ["market"],
});
ns.register(
  (prices: Record<string, number>) =>
    Object.entries(prices).sort(([, a], [, b]) => b - a)[0]?.[0] ?? "none",
  { nsref: "market:top", tags: ["market"] },
);
ns.register(
  ({ total, top }: { total: number; top: string }) =>
    `Portfolio value: $${total.toFixed(2)}; largest position: ${top}`,
  { nsref: "market:report", tags: ["market", "report"] },
);

// fetch fans out to total and top; both fan in to report.
const dag = new Dag();
const fetch = dag.node(ns.get("market:fetch"));
const report = dag.node(ns.get("market:report"));
fetch.to(dag.node(ns.get("market:total"))).to(report, { as: "total" });
fetch.to(dag.node(ns.get("market:top"))).to(report, { as: "top" });
ns.register(dag, { nsref: "pipelines:market_summary" });

console.log(
  "registered:",
  ns
    .list()
    .map((node) => `${node.nsref} (${node.kind})`)
    .join(", "),
);
console.log(
  "tagged report:",
  ns
    .query("market & report")
    .map((node) => node.nsref)
    .join(", "),
);
console.log(
  "topological order:",
  dag
    .topologicalOrder()
    .map((node) => node.label)
    .join(" → "),
);

const result = await new DagRunner(dag, { dagNsref: "pipelines:market_summary" }).run({});
console.log(`run ${result.runId}: ${result.status}`);
console.log("outputs:", result.outputs);

// The same DAG through the namespace: the async wrapper a trigger calls.
const viaNamespace = await ns.get("pipelines:market_summary").call({});
console.log(`via namespace: ${viaNamespace.status}`, viaNamespace.outputs);
