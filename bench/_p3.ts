import { Dag } from "../src/dag/Dag.js";
import { NullProvenance } from "../src/provenance/NullProvenance.js";
import { DagRunner } from "../src/run/DagRunner.js";

const dag = new Dag();
dag
  .node((x: number) => x + 1, { label: "a" })
  .to(dag.node((x: number) => x + 1, { label: "b" }))
  .to(dag.node((x: number) => x + 1, { label: "c" }));
const r = new DagRunner(dag, { provenance: NullProvenance });
for (let k = 0; k < 4; k++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 2000) {
    await r.run(n);
    n++;
  }
  const c = process.cpuUsage(c0);
  console.log(
    "3-node null run: wall us",
    (((performance.now() - t0) * 1000) / n).toFixed(1),
    "cpu us",
    ((c.user + c.system) / n).toFixed(1),
  );
}
