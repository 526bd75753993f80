// A/B of two checkouts of tickflow (e.g. before and after a change): N durable push fires of
// a 3-node DAG, one at a time, on the tickflow source at ROOT (`node --import tsx
// bench/commitAbChild.mts ROOT [N]`). Prints fires/s and process CPU µs per fire; run it
// alternately on both checkouts, several rounds, and compare the medians (docs/performance.md).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const root = pathToFileURL(path.resolve(process.argv[2] ?? ".")).href;
const fires = Number(process.argv[3] ?? 1500);
const { Dag } = await import(`${root}/src/dag/Dag.ts`);
const { Namespace } = await import(`${root}/src/namespace/Namespace.ts`);
const { DagProvenance } = await import(`${root}/src/provenance/DagProvenance.ts`);
const { TriggerManager } = await import(`${root}/src/supervisor/TriggerManager.ts`);
const { TriggerStore } = await import(`${root}/src/trigger/TriggerStore.ts`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ab-"));
const ns = new Namespace();
const dag = new Dag();
dag
  .node(({ i }: { i: number }) => i + 1, { label: "a" })
  .to(dag.node((x: number) => x + 1, { label: "b" }))
  .to(dag.node((x: number) => x + 1, { label: "c" }));
ns.register(dag, { nsref: "bench:chain" });
ns.registerTrigger({ name: "push0", dagNsref: "bench:chain", triggerType: "push" });
const store = new TriggerStore(path.join(dir, "triggers.db"));
const provenance = new DagProvenance(path.join(dir, "provenance.db"));
const manager = new TriggerManager({ namespace: ns, store, provenance });
await manager.activate("push0");
await manager.start();
for (let i = 0; i < 300; i++) await manager.fire("push0", { i }); // warm-up
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < fires; i++) {
  const r = await manager.fire("push0", { i });
  if (r.status !== "completed") throw new Error(r.status);
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(c0);
await manager.stop();
store.close();
provenance.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    firesPerS: (fires * 1000) / wall,
    cpuUsPerFire: (cpu.user + cpu.system) / fires,
  }),
);
