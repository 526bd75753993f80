/**
 * `poll_cost` in its own process: `triggers` poll triggers on an every-second schedule
 * whose `pollFn` returns null (nothing to do), durable; counts the calls per trigger
 * per tick and the CPU used over `seconds` measured seconds.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Dag } from "../src/dag/Dag.js";
import { Namespace } from "../src/namespace/Namespace.js";
import { DagProvenance } from "../src/provenance/DagProvenance.js";
import { TriggerManager } from "../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../src/trigger/TriggerStore.js";
import { childArgs, childDone, cpuMs, round, rssMb, sleep } from "./lib.js";

export interface PollChildArgs {
  readonly triggers: number;
  readonly seconds: number;
  readonly dir: string;
}

export interface PollChildResult {
  readonly pollfn_calls_per_tick: number;
  readonly cpu_percent_of_one_core: number;
  readonly cpu_ms_per_poll: number;
  readonly rss_mb: number;
  readonly poll_empty_rows: number;
  readonly runs_started: number;
}

const args = childArgs<PollChildArgs>();
const windowStart = Math.ceil((Date.now() + 300) / 1000) * 1000 + 2000;
const windowEnd = windowStart + args.seconds * 1000;
let calls = 0;
let runs = 0;

const ns = new Namespace();
const dag = new Dag();
dag.node(
  () => {
    runs += 1;
    return null;
  },
  { label: "noop" },
);
ns.register(dag, { nsref: "bench:noop" });
for (let k = 0; k < args.triggers; k++) {
  ns.registerTrigger({
    name: `poll${k}`,
    dagNsref: "bench:noop",
    triggerType: "poll",
    schedule: "* * * * * *",
    pollFn: () => {
      // Counted by the tick it answers: the whole second before the call (polls start
      // well within a second of their tick).
      const tick = Math.floor(Date.now() / 1000) * 1000;
      if (tick >= windowStart && tick < windowEnd) calls += 1;
      return null;
    },
  });
}
const store = new TriggerStore(path.join(args.dir, "triggers.db"));
const provenance = new DagProvenance(path.join(args.dir, "provenance.db"));
const manager = new TriggerManager({ namespace: ns, store, provenance, onError: () => {} });
await Promise.all(Array.from({ length: args.triggers }, (_, k) => manager.activate(`poll${k}`)));
await manager.start();

await sleep(windowStart - Date.now());
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
await sleep(windowEnd - Date.now());
const cpu = cpuMs(cpuStart);
const wall = performance.now() - wallStart;
await sleep(900);
const rss = rssMb();
await manager.stop({ graceMs: 1000 });
const empty = store.store.get<{ n: number }>(
  "bench: poll_empty rows",
  `SELECT COUNT(*) AS n FROM trigger_events WHERE status = 'poll_empty' AND scheduled_at >= ? AND scheduled_at < ?`,
  [new Date(windowStart).toISOString(), new Date(windowEnd).toISOString()],
);
store.close();
provenance.close();
const ticks = args.triggers * args.seconds;
const result: PollChildResult = {
  pollfn_calls_per_tick: round(calls / ticks, 3),
  cpu_percent_of_one_core: round((100 * cpu) / wall, 2),
  cpu_ms_per_poll: round(cpu / Math.max(1, calls), 4),
  rss_mb: round(rss, 1),
  poll_empty_rows: empty?.n ?? 0,
  runs_started: runs,
};
childDone(result);
