/**
 * A module for `tickflow start`: it only *defines* things — functions, DAGs and triggers
 * in a Namespace — and exports the namespace. The `tickflow` command does the rest:
 * opens ./data/triggers.db and ./data/provenance.db, activates these triggers, runs the
 * supervisor, and lets you inspect what it did.
 *
 * ```sh
 * npx tickflow start examples/market.ts --for 10   # fires within seconds
 * npx tickflow status
 * npx tickflow explain slow_report
 * npx tickflow dag examples/market.ts pipelines:market_summary --mermaid
 * ```
 *
 * Schedules run every few seconds (6-field cron, seconds first) so a short run shows
 * fires, polls that find nothing, and ticks skipped because a run was still going.
 */
import { Schema } from "effect";
import { Dag, Namespace } from "../src/index.js";

const ns = new Namespace();

// The seed's market summary: fetch prices, fan out to a total and the largest
// position, fan in to a report.
ns.register(async () => ({ AAPL: 185.0, GOOG: 140.0, MSFT: 410.5 }), { nsref: "market:fetch" });
ns.register((prices: Record<string, number>) => Object.values(prices).reduce((a, b) => a + b, 0), {
  nsref: "market:total",
});
ns.register(
  (prices: Record<string, number>) =>
    Object.entries(prices).sort(([, a], [, b]) => b - a)[0]?.[0] ?? "none",
  { nsref: "market:top" },
);
ns.register(
  ({ total, top }: { total: number; top: string }) =>
    `Portfolio value: $${total.toFixed(2)}; largest position: ${top}`,
  { nsref: "market:report" },
);
const summary = new Dag();
const fetch = summary.node(ns.get("market:fetch"));
const report = summary.node(ns.get("market:report"));
fetch.to(summary.node(ns.get("market:total"))).to(report, { as: "total" });
fetch.to(summary.node(ns.get("market:top"))).to(report, { as: "top" });
ns.register(summary, { nsref: "pipelines:market_summary" });

// A report that takes longer than its schedule's interval: every other tick comes while
// the last run is still going and is skipped (overlap "skip", recorded in the ledger).
ns.register(
  async (prices: Record<string, number>) => {
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    return `${Object.keys(prices).length} positions reviewed`;
  },
  { nsref: "market:review" },
);
const slow = new Dag();
slow.node(ns.get("market:fetch")).to(slow.node(ns.get("market:review")));
ns.register(slow, { nsref: "pipelines:slow_report" });

// An order is processed when pushed (`tickflow fire orders --payload '{"orderId": 42}'`);
// its input schema rejects a payload without a numeric orderId before anything runs.
ns.register((order: { orderId: number }) => `processed order ${order.orderId}`, {
  nsref: "orders:process",
  input: Schema.Struct({ orderId: Schema.Number }),
});
const orders = new Dag();
orders.node(ns.get("orders:process"));
ns.register(orders, { nsref: "pipelines:process_order" });

ns.registerTrigger({
  name: "market_summary",
  dagNsref: "pipelines:market_summary",
  triggerType: "poll",
  schedule: "*/2 * * * * *",
  timezone: "UTC",
});
ns.registerTrigger({
  name: "slow_report",
  dagNsref: "pipelines:slow_report",
  triggerType: "poll",
  schedule: "*/2 * * * * *",
  timezone: "UTC",
});
// A poll trigger: the queue has work on one poll in three; an empty poll skips its tick.
let polls = 0;
ns.registerTrigger({
  name: "queue_check",
  dagNsref: "pipelines:process_order",
  triggerType: "poll",
  schedule: "* * * * * *",
  timezone: "UTC",
  pollFn: () => {
    polls += 1;
    return polls % 3 === 0 ? { orderId: 1000 + polls } : null;
  },
});
ns.registerTrigger({
  name: "orders",
  dagNsref: "pipelines:process_order",
  triggerType: "push",
});

export default ns;
