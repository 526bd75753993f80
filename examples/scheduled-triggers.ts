/**
 * The scheduled-triggers walkthrough in TypeScript: define a DAG, register it, describe
 * a trigger, activate it, start the supervisor, read the history, backfill past ticks,
 * deactivate, run without provenance, and poll an external source. Schedules run every few seconds so the whole
 * tour finishes in about ten seconds.
 *
 * Run it with `npm run demo` (SQLite files go to ./data).
 */
import { rmSync } from "node:fs";
import {
  Dag,
  DagProvenance,
  type ManagerEvent,
  Namespace,
  TriggerManager,
  TriggerStore,
} from "../src/index.js";

const dataDir = process.env.TICKFLOW_DATA ?? "./data";
// A fresh demo each time: the tour starts from an empty history.
rmSync(`${dataDir}/demo-triggers.db`, { force: true });
rmSync(`${dataDir}/demo-provenance.db`, { force: true });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const time = (d: Date | undefined) => d?.toISOString().slice(11, 23) ?? "-";
const log = (event: ManagerEvent) => {
  const details = [event.runId?.slice(0, 8), event.status, event.error].filter(Boolean).join(" ");
  console.log(
    `  [${time(event.at)}] ${event.trigger}: ${event.kind} (tick ${time(event.scheduledAt)}) ${details}`,
  );
};

// 1. Define the DAG: fetch prices, then summarize them.
const ns = new Namespace();
ns.register(async () => ({ AAPL: 185.0, GOOG: 140.0 }), { nsref: "market:fetch" });
ns.register(
  (prices: Record<string, number>) =>
    `Portfolio value: $${Object.values(prices)
      .reduce((a, b) => a + b, 0)
      .toFixed(2)}`,
  { nsref: "market:summarize" },
);
const dag = new Dag();
dag.node(ns.get("market:fetch")).to(dag.node(ns.get("market:summarize")));
// Registered so that the trigger system can find it by nsref.
ns.register(dag, { nsref: "pipelines:market_summary" });

// 2. A trigger definition is declarative: it starts nothing. (The seed uses "0 * * * *";
// every 2 seconds here so the tour shows fires.)
ns.registerTrigger({
  name: "hourly_market",
  dagNsref: "pipelines:market_summary",
  triggerType: "poll",
  schedule: "*/2 * * * * *",
});

// 3. Activate: the trigger gets a persistent record with status active; nothing runs yet.
const store = new TriggerStore(`${dataDir}/demo-triggers.db`);
const provenance = new DagProvenance(`${dataDir}/demo-provenance.db`);
const manager = new TriggerManager({ namespace: ns, store, provenance, onEvent: log });
const activatedAt = Date.now();
await manager.activate("hourly_market");
console.log("activated:", (await store.getActivation("hourly_market"))?.status);

// 4. Start the supervisor: it fires on the schedule in the background.
console.log("starting; the trigger fires every 2 s:");
await manager.start();
await sleep(4_100);

// 5. History: every fire is in trigger_events, the run itself in the provenance database.
console.log("history of hourly_market:");
for (const event of await store.getEvents("hourly_market")) {
  console.log(
    `  fired at ${time(event.firedAt)}, status: ${event.status}, run: ${event.runId?.slice(0, 8)}`,
  );
}
const activation = await store.getActivation("hourly_market");
const lastRun = activation?.lastRunId
  ? await provenance.getRun(activation.lastRunId, { values: true })
  : undefined;
console.log(
  `last run ${lastRun?.runId.slice(0, 8)}: ${lastRun?.status}, outputs:`,
  lastRun?.outputs,
);

// 5b. Backfill: fire the ticks of the 10 s before activation, each once, in order, with
// its own scheduled instant (a node sees it as ctx.fire.scheduledAt, kind "backfill").
// Ticks on record are left alone; live ticks keep going meanwhile.
const backfill = await manager.backfill("hourly_market", {
  from: new Date(activatedAt - 10_000),
  to: new Date(activatedAt),
});
const backfilled = await backfill.done;
console.log(
  `backfill ${backfilled.id.slice(0, 8)}: ${backfilled.status}, ${backfilled.fired} fired, ${backfilled.skipped} on record`,
);
console.log("backfilled ticks (oldest first):");
const rows = await store.getEvents("hourly_market", { limit: 50 });
for (const event of [...rows].reverse().filter((e) => e.backfillId === backfilled.id)) {
  console.log(`  tick ${time(event.scheduledAt)}: ${event.status} (${event.kind})`);
}

// 6. Deactivate: no more fires; the record stays, with status disabled.
await manager.deactivate("hourly_market");
const firesBefore = (await store.getEvents("hourly_market")).length;
await sleep(1_500);
const firesAfter = (await store.getEvents("hourly_market")).length;
console.log(
  `deactivated: status ${(await store.getActivation("hourly_market"))?.status}; fires in the 1.5 s after: ${firesAfter - firesBefore}`,
);
await manager.stop();

// 7. Without provenance, and 8. a custom poll function: fire only when the queue has work.
const queue = ["new order #1", "new order #2"];
let polls = 0;
ns.register((input: { message: string }) => `processed ${input.message}`, {
  nsref: "orders:process",
});
const orders = new Dag();
orders.node(ns.get("orders:process"));
ns.register(orders, { nsref: "pipelines:process_order" });
ns.registerTrigger({
  name: "queue_check",
  dagNsref: "pipelines:process_order",
  triggerType: "poll",
  schedule: "* * * * * *",
  pollFn: () => {
    polls += 1;
    // Work arrives on the 1st and 3rd poll only; the others skip their tick.
    return polls === 1 || polls === 3 ? { message: queue.shift() } : null;
  },
});
const light = new TriggerManager({ namespace: ns, store, onEvent: log });
await light.activate("queue_check");
console.log("poll trigger without provenance, every second:");
await light.start();
await sleep(3_400);
await light.stop();
console.log("history of queue_check (most recent first):");
for (const event of await store.getEvents("queue_check")) {
  console.log(
    `  tick ${time(event.scheduledAt)}: ${event.status}${event.payload ? ` ${JSON.stringify(event.payload)}` : ""}`,
  );
}
store.close();
provenance.close();
