/**
 * tickflow's benchmark suite. `npm run bench` runs every scenario (7 to 12 minutes here);
 * `npm run bench -- --quick` a short version of each (under 2 minutes); `--json FILE`
 * also writes the figures as `{ "scenarios": { "<id>": { "<metric>": value } },
 * "machine": {...}, "goals": [...] }`; `--dir DIR` puts the SQLite files on another disk
 * than the OS temp folder; `--only a,b` runs some scenarios.
 *
 * Speed is measured here and only here; the tests assert behaviour, never timing.
 */
import fs from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { dagOverhead } from "./dagOverhead.js";
import { fireThroughput } from "./fireThroughput.js";
import { idleCost } from "./idleCost.js";
import { ensureBuilt, type Metrics } from "./lib.js";
import { pgFireThroughput } from "./pgFireThroughput.js";
import { pgTickPrecision } from "./pgTickPrecision.js";
import { pollCost } from "./pollCost.js";
import { provenanceOverhead } from "./provenanceOverhead.js";
import { pruneLateness } from "./pruneLateness.js";
import { report } from "./report.js";
import { restart } from "./restart.js";
import { scale } from "./scale.js";
import { startup } from "./startup.js";
import { tickPrecision } from "./tickPrecision.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    dir: { type: "string" },
    only: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

const SCENARIOS = [
  "dag_overhead",
  "provenance_overhead",
  "fire_throughput",
  "tick_precision",
  "prune_lateness",
  "idle_cost",
  "restart",
  "startup",
  "poll_cost",
  "pg_fire_throughput",
  "pg_tick_precision",
  "scale",
] as const;
type ScenarioId = (typeof SCENARIOS)[number];
/** The scenarios that run the built package (dist/) with plain node, as a user runs it. */
const ON_DIST: readonly ScenarioId[] = ["idle_cost", "restart", "startup", "scale"];

if (values.help) {
  console.log(
    `usage: npm run bench -- [--quick] [--json FILE] [--dir DIR] [--only ${SCENARIOS.join(",")}]`,
  );
  process.exit(0);
}

const quick = values.quick;
const dir = values.dir === undefined ? {} : { dir: values.dir };
const only = values.only?.split(",").map((s) => s.trim());
for (const id of only ?? []) {
  if (!SCENARIOS.includes(id as ScenarioId)) {
    console.error(`unknown scenario "${id}"; known: ${SCENARIOS.join(", ")}`);
    process.exit(2);
  }
}

/** Each scenario with its full and quick sizes. */
const runners: Record<ScenarioId, () => Promise<Metrics>> = {
  dag_overhead: () => dagOverhead({ rounds: quick ? 3 : 5, roundMs: quick ? 150 : 600, ...dir }),
  provenance_overhead: async () => {
    const r = await provenanceOverhead({ rounds: 5, roundMs: quick ? 200 : 1500, ...dir });
    return {
      null_runs_per_s: Math.round(r.nullRunsPerS),
      durable_runs_per_s: Math.round(r.durableRunsPerS),
      ratio: Number(r.ratio.toFixed(3)),
      commits_per_run: r.commitsPerRun,
      sqlite_commit_limit_per_s: Math.round(r.sqliteCommitLimitPerS),
      ratio_to_limit: Number(r.ratioToLimit.toFixed(3)),
    };
  },
  fire_throughput: () =>
    fireThroughput({ fires: quick ? 300 : 5000, rounds: quick ? 2 : 3, concurrency: 16, ...dir }),
  tick_precision: () =>
    tickPrecision({
      triggers: quick ? 200 : 1000,
      seconds: quick ? 5 : 10,
      repeats: quick ? 1 : 3,
      ...dir,
    }),
  prune_lateness: () =>
    pruneLateness({
      triggers: 100,
      rows: quick ? 200_000 : 1_000_000,
      seconds: quick ? 5 : 10,
      ...dir,
    }),
  idle_cost: () =>
    idleCost({ triggers: 10_000, seconds: quick ? 2 : 10, repeats: quick ? 1 : 2, ...dir }),
  restart: () =>
    restart({
      triggers: 10_000,
      journalRows: 1_000_000,
      events: 100_000,
      repeats: quick ? 1 : 3,
      ...dir,
    }),
  startup: () =>
    startup({
      rounds: quick ? 5 : 15,
      triggers: 10_000,
      journalRows: 1_000_000,
      events: 100_000,
      ...dir,
    }),
  poll_cost: () =>
    pollCost({ triggers: 1000, seconds: quick ? 2 : 10, repeats: quick ? 1 : 2, ...dir }),
  pg_fire_throughput: () =>
    pgFireThroughput({
      triggers: 48,
      concurrency: 16,
      rounds: quick ? 2 : 3,
      warmMs: quick ? 500 : 1000,
      durationMs: quick ? 2000 : 5000,
      leaseMs: 3000,
      nodeWaitMs: 20,
      ...dir,
    }),
  pg_tick_precision: () =>
    pgTickPrecision({
      triggers: 200,
      seconds: quick ? 5 : 10,
      repeats: quick ? 1 : 3,
      settleMs: 2000,
      leaseMs: 3000,
      ...dir,
    }),
  scale: () =>
    scale({
      sizes: quick ? [100, 1000] : [100, 1000, 10_000, 50_000],
      due: 100,
      seconds: quick ? 3 : 5,
      ...dir,
    }),
};

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const machine = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model ?? "unknown",
  memory_gb: Math.round(os.totalmem() / 1024 ** 3),
  platform: `${process.platform} ${os.release()}`,
  load_average_at_start: load(),
  load_average_at_end: "",
  quick,
};
console.log(
  `tickflow bench${quick ? " --quick" : ""}: node ${machine.node}, ${machine.cpus} CPUs (${machine.cpu_model}), ${machine.memory_gb} GB, ${machine.platform}, load average ${machine.load_average_at_start}`,
);

const scenarios: Record<string, Metrics> = {};
const started = performance.now();
if (ON_DIST.some((id) => only === undefined || only.includes(id))) {
  process.stdout.write("  dist/ … ");
  console.log(ensureBuilt() ? "built (npm run build)" : "fresh");
}
for (const id of SCENARIOS) {
  if (only !== undefined && !only.includes(id)) continue;
  const t0 = performance.now();
  process.stdout.write(`  ${id} … `);
  try {
    scenarios[id] = await runners[id]();
    console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    scenarios[id] = { error: message };
    console.log(`failed: ${message}`);
  }
}
machine.load_average_at_end = load();
console.log(
  `\nall scenarios: ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${machine.load_average_at_end}\n`,
);

const { text, goals } = report(scenarios);
console.log(text);

if (values.json !== undefined) {
  fs.writeFileSync(values.json, `${JSON.stringify({ scenarios, machine, goals }, null, 2)}\n`);
  console.log(`\nwrote ${values.json}`);
}
// Peers' clients (Redis, PostgreSQL) may keep sockets open a moment after closing.
process.exit(0);
