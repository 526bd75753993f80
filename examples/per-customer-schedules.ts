/**
 * Triggers as data: a service that gives each customer their own report schedule.
 * Customers sign up, change plans and leave while the supervisor runs: each is one
 * `upsertTrigger` / `removeTrigger`, stored in the trigger database (journaled), applied
 * at once without a restart, and still there after one. The code defines what can run
 * (the DAG, the poll function); the data says when, for whom, and with which policies.
 * Schedules tick every second or two so the tour finishes in about ten seconds.
 *
 * Run it with `node --import tsx examples/per-customer-schedules.ts` (files go to ./data).
 */
import { rmSync } from "node:fs";
import {
  Dag,
  DagProvenance,
  type DataTriggerDefinition,
  type ManagerEvent,
  Namespace,
  TriggerManager,
  TriggerStore,
} from "../src/index.js";

const dataDir = process.env.TICKFLOW_DATA ?? "./data";
rmSync(`${dataDir}/customers-triggers.db`, { force: true });
rmSync(`${dataDir}/customers-provenance.db`, { force: true });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the service's code registers: the same in every process that runs it. */
function buildNamespace(): Namespace {
  const ns = new Namespace();
  const build = ns.register(
    (input: { customer: string; format?: string }) =>
      `report for ${input.customer} (${input.format ?? "pdf"})`,
    { nsref: "reports:build" },
  );
  const dag = new Dag();
  dag.node(build);
  ns.register(dag, { nsref: "reports:customer_report" });
  // A poll function is code: a data trigger names it (pollNsref), never carries it.
  ns.register(() => ({ customer: "initech", invoices: 3 }), { nsref: "billing:new_invoices" });
  // A trigger of the service itself stays in code, beside the customers' data triggers.
  ns.registerTrigger({
    name: "hourly_digest",
    dagNsref: "reports:customer_report",
    triggerType: "cron",
    schedule: "0 * * * *",
    payload: { customer: "all" },
  });
  return ns;
}

/** A customer's schedule, as the service's API would receive it. */
const customerTrigger = (
  customer: string,
  schedule: string,
  extra: Partial<DataTriggerDefinition> = {},
): DataTriggerDefinition => ({
  name: `customer_${customer}`,
  dagNsref: "reports:customer_report",
  triggerType: "cron",
  schedule,
  timezone: "UTC",
  payload: { customer },
  catchUp: "latest",
  ...extra,
});

const fires = new Map<string, number>();
const onEvent = (event: ManagerEvent) => {
  if (event.kind === "finished") fires.set(event.trigger, (fires.get(event.trigger) ?? 0) + 1);
};
const open = () => {
  const store = new TriggerStore(`${dataDir}/customers-triggers.db`);
  const provenance = new DagProvenance(`${dataDir}/customers-provenance.db`);
  const manager = new TriggerManager({ namespace: buildNamespace(), store, provenance, onEvent });
  return { store, provenance, manager };
};

// 1. The service starts its supervisor (and activates its own code trigger).
let { store, provenance, manager } = open();
await manager.activate("hourly_digest");
await manager.start();

// 2. Customers sign up: each gets their own schedule, at run time.
for (const change of [
  await manager.upsertTrigger(customerTrigger("acme", "*/2 * * * * *")),
  await manager.upsertTrigger(customerTrigger("globex", "* * * * * *", { overlap: "bufferOne" })),
  // A customer whose report waits for new invoices: a poll trigger naming its function.
  await manager.upsertTrigger({
    ...customerTrigger("initech", "*/2 * * * * *"),
    triggerType: "poll",
    pollNsref: "billing:new_invoices",
  }),
]) {
  console.log(`${change.action} ${change.name} (version ${change.version})`);
}
await sleep(3_500);

// 3. acme upgrades to a faster plan; globex leaves. Both take effect at once.
const upgraded = await manager.upsertTrigger(
  customerTrigger("acme", "* * * * * *", { payload: { customer: "acme", format: "html" } }),
  { by: "billing-api" },
);
console.log(`${upgraded.action} ${upgraded.name} (version ${upgraded.version})`);
const left = await manager.removeTrigger("customer_globex", { by: "billing-api" });
console.log(`${left.action} ${left.name} (version ${left.version})`);
const globexFires = fires.get("customer_globex") ?? 0;
await sleep(2_500);
console.log(
  `fired: acme ${(fires.get("customer_acme") ?? 0) > 0 ? "yes" : "no"}, ` +
    `initech ${(fires.get("customer_initech") ?? 0) > 0 ? "yes" : "no"}, ` +
    `globex after leaving: ${(fires.get("customer_globex") ?? 0) - globexFires <= 1 ? "none" : "some"}`,
);

// 4. A restart (a deploy): the customers' triggers are loaded from the database beside
// the code triggers; nothing was lost, the removed one stays removed with its history.
await manager.stop();
store.close();
provenance.close();
({ store, provenance, manager } = open());
await manager.start();
console.log("after restart:");
for (const t of await manager.inspect()) {
  console.log(`  ${t.name} ${t.source} ${t.status} ${t.schedule ?? "push"}`);
}
const history = await store.definitionJournal("customer_acme");
console.log(
  `customer_acme journal: ${history.map((c) => `${c.action}${c.changedBy ? ` by ${c.changedBy}` : ""}`).join(", ")}`,
);
await manager.stop();
store.close();
provenance.close();
