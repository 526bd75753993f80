/**
 * `restart` in its own process, run with plain `node` on the built package
 * (`import("tickflow")`, dist/): opens a trigger database built by `restart.ts` (10,000
 * activations, a million journal rows, 100,000 ledger rows) and measures how long a new
 * supervisor takes from opening the file to `start()` resolving, and its RSS before any
 * trigger and then. Arguments and result: `RestartChildArgs`, `RestartChildResult` in
 * restart.ts.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { childArgs, childDone, noopNamespace, round, rssMb, timedImport } from "./childLib.mjs";

const args = childArgs();
const imported = await timedImport("tickflow");
const { DagProvenance, TriggerManager, TriggerStore } = imported.module;
const rssBefore = rssMb();

// The application's code (its namespace) is there before the supervisor starts.
const ns = noopNamespace(imported.module, {
  count: args.triggers,
  prefix: "t",
  schedule: args.schedule,
});

let errors = 0;
const t0 = performance.now();
const store = new TriggerStore(path.join(args.dir, "triggers.db"));
const provenance = new DagProvenance(path.join(args.dir, "provenance.db"));
const manager = new TriggerManager({
  namespace: ns,
  store,
  provenance,
  onError: () => {
    errors += 1;
  },
});
const t1 = performance.now();
await manager.start();
const ready = performance.now();
const rss = rssMb();
const states = Object.values(manager.states());
const scheduled = Array.from({ length: args.triggers }, (_, k) =>
  manager.nextFireAt(`t${k}`),
).filter((d) => d !== undefined).length;
await manager.stop();
store.close();
provenance.close();
childDone({
  start_to_ready_ms: round(ready - t0, 0),
  open_ms: round(t1 - t0, 0),
  start_ms: round(ready - t1, 0),
  rss_mb: round(rss, 1),
  rss_before_mb: round(rssBefore, 1),
  import_ms: round(imported.ms, 0),
  active_triggers: states.filter((s) => s === "active").length,
  scheduled_triggers: scheduled,
  errors,
});
