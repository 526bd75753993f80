/**
 * `prune_lateness` in its own process: `triggers` every-second triggers fire durably
 * (SQLite, the real clock) beside an old history of `rows` ledger and journal rows;
 * the lateness of each fire start is measured over `seconds` seconds of ticks without
 * pruning, then over the ticks due while `manager.prune()` deletes that history (500-row
 * batches, yielding between them), with the ticks missed or doubled in each window.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Dag } from "../src/dag/Dag.js";
import { Namespace } from "../src/namespace/Namespace.js";
import { DagProvenance } from "../src/provenance/DagProvenance.js";
import { TriggerManager } from "../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../src/trigger/TriggerStore.js";
import { childArgs, childDone, quantile, round, sleep } from "./lib.js";

export interface PruneChildArgs {
  readonly triggers: number;
  readonly rows: number;
  readonly seconds: number;
  readonly dir: string;
}

/** Lateness of the fires of one window's ticks, and the ticks missed or doubled. */
export interface WindowFigures {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly fires: number;
  readonly missed_ticks: number;
  readonly doubled_ticks: number;
  /** Of the missed ticks, those the supervisor recorded `missed` (too late to fire). */
  readonly reported_missed: number;
}

export interface PruneChildResult {
  readonly quiet: WindowFigures;
  readonly pruning: WindowFigures;
  readonly rows_pruned: number;
  readonly prune_ms: number;
  readonly seed_ms: number;
}

const args = childArgs<PruneChildArgs>();
const ns = new Namespace();
const dag = new Dag();
dag.node(() => null, { label: "noop" });
ns.register(dag, { nsref: "bench:noop" });
const names = Array.from({ length: args.triggers }, (_, k) => `tick${k}`);
for (const name of names) {
  ns.registerTrigger({
    name,
    dagNsref: "bench:noop",
    triggerType: "poll",
    schedule: "* * * * * *",
  });
}
const store = new TriggerStore(path.join(args.dir, "triggers.db"));
const provenance = new DagProvenance(path.join(args.dir, "provenance.db"));

// The old history: half ledger rows, half journal rows, a year back, spread over the
// triggers (journal events a machine ignores, so compaction folds them quickly).
const seedStart = performance.now();
const old = Date.UTC(2025, 0, 1);
store.store.transaction("bench: seed history", () => {
  const half = Math.floor(args.rows / 2);
  for (let i = 0; i < half; i++) {
    const name = names[i % names.length] as string;
    const at = new Date(old + i * 10).toISOString();
    store.store.run(
      "seed event",
      `INSERT INTO trigger_events (event_id, trigger_name, fired_at, scheduled_at, run_id,
        payload_json, status) VALUES (?, ?, ?, ?, NULL, NULL, 'completed')`,
      [`old-${i}`, name, at, at],
    );
    store.store.run(
      "seed journal",
      `INSERT INTO trigger_journal (trigger_name, event_json, state_after, at)
        VALUES (?, '{"type":"BENCH_OLD"}', 'inactive', ?)`,
      [name, at],
    );
  }
});
const seedMs = performance.now() - seedStart;

/** Every fire: trigger, scheduled instant, lateness; classified by window afterwards. */
const fires: { key: string; scheduled: number; late: number }[] = [];
/** Ticks the supervisor reported `missed` (late past its catch-up policy), by instant. */
const reportedMissed: number[] = [];
const manager = new TriggerManager({
  namespace: ns,
  store,
  provenance,
  retention: false,
  onEvent: (event) => {
    if (event.kind === "missed" && event.scheduledAt !== undefined) {
      reportedMissed.push(event.scheduledAt.getTime());
    }
    if (event.kind !== "fired" || event.scheduledAt === undefined) return;
    const scheduled = event.scheduledAt.getTime();
    fires.push({
      key: `${event.trigger}@${scheduled}`,
      scheduled,
      late: event.at.getTime() - scheduled,
    });
  },
  onError: () => {},
});
await Promise.all(names.map((name) => manager.activate(name)));
await manager.start();
await sleep(2000); // warm-up
const second = () => Math.ceil(Date.now() / 1000) * 1000;
const quietStart = second();
await sleep(quietStart + args.seconds * 1000 - Date.now());
const pruneStart = performance.now();
const pruningStart = second();
const report = await manager.prune({ olderThan: "1d" });
const pruneMs = performance.now() - pruneStart;
// The pruning window: whole seconds while the prune ran (at least one).
const pruningEnd = Math.max(Math.floor(Date.now() / 1000) * 1000, pruningStart + 1000);
await sleep(1500); // fires of the window's last ticks start within this tail
await manager.stop({ graceMs: 2000 });
store.close();
provenance.close();

const window = (from: number, to: number) => {
  const inside = fires.filter((f) => f.scheduled >= from && f.scheduled < to);
  const keys = new Set(inside.map((f) => f.key));
  const late = inside.map((f) => f.late);
  return {
    p50_ms: round(quantile(late, 0.5)),
    p99_ms: round(quantile(late, 0.99)),
    max_ms: round(late.length === 0 ? Number.NaN : Math.max(...late)),
    fires: inside.length,
    missed_ticks: (names.length * (to - from)) / 1000 - keys.size,
    doubled_ticks: inside.length - keys.size,
    reported_missed: reportedMissed.filter((at) => at >= from && at < to).length,
  };
};
const result: PruneChildResult = {
  quiet: window(quietStart, quietStart + args.seconds * 1000),
  pruning: window(pruningStart, pruningEnd),
  rows_pruned: report.events + report.journal,
  prune_ms: round(pruneMs),
  seed_ms: round(seedMs),
};
childDone(result);
