/**
 * One contender of `idle_cost` in its own process, run with plain `node` (no TypeScript
 * loader): tickflow as a user runs it (`import("tickflow")`, the built dist/) or croner.
 * `triggers` active hourly triggers (tickflow, durable) or croner jobs, none due during
 * the `seconds` measured; prints the CPU used over the window (from
 * `process.cpuUsage()`), the RSS before any trigger and at its end, how long the import,
 * activation and start took. Arguments and result: `IdleChildArgs`, `IdleChildResult`
 * in idleCost.ts.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  childArgs,
  childDone,
  cpuMs,
  noopNamespace,
  retainedHeapMb,
  round,
  rssMb,
  sleep,
  timedImport,
} from "./childLib.mjs";

const args = childArgs();
// Hourly, at the minute half an hour away: nothing is due during the measured window.
const minute = (new Date().getMinutes() + 30) % 60;
const HOURLY = `${minute} * * * *`;
const imported = await timedImport(args.contender === "tickflow" ? "tickflow" : "croner");
const rssBefore = rssMb();
const heapBefore = retainedHeapMb();

let activateMs;
let startMs = 0;
let stop;

if (args.contender === "tickflow") {
  const { DagProvenance, TriggerManager, TriggerStore } = imported.module;
  const ns = noopNamespace(imported.module, {
    count: args.triggers,
    prefix: "hourly",
    schedule: HOURLY,
  });
  const store = new TriggerStore(path.join(args.dir, "triggers.db"));
  const provenance = new DagProvenance(path.join(args.dir, "provenance.db"));
  const manager = new TriggerManager({ namespace: ns, store, provenance });
  // Activations are independent, so a caller issues them together; the supervisor's group
  // commit then writes them in few transactions.
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: args.triggers }, (_, k) => manager.activate(`hourly${k}`)),
  );
  activateMs = performance.now() - t0;
  const t1 = performance.now();
  await manager.start();
  startMs = performance.now() - t1;
  stop = async () => {
    await manager.stop();
    store.close();
    provenance.close();
  };
} else {
  const { Cron } = imported.module;
  const t0 = performance.now();
  const jobs = Array.from({ length: args.triggers }, () => new Cron(HOURLY, () => {}));
  activateMs = performance.now() - t0;
  stop = async () => {
    for (const job of jobs) job.stop();
  };
}

// Let start-up work (the next-run writes, GC of activation garbage) settle first.
await sleep(args.seconds >= 10 ? 1000 : 500);
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
await sleep(args.seconds * 1000);
const cpu = cpuMs(cpuStart);
const wall = performance.now() - wallStart;
const rss = rssMb();
const heap = retainedHeapMb();
await stop();
childDone({
  cpu_percent_of_one_core: round((100 * cpu) / wall, 3),
  rss_mb: round(rss, 1),
  rss_before_mb: round(rssBefore, 1),
  import_ms: round(imported.ms, 0),
  activate_all_ms: round(activateMs, 0),
  start_ms: round(startMs, 0),
  heap_before_mb: round(heapBefore, 1),
  heap_mb: round(heap, 1),
});
