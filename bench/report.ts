/**
 * The suite's one table: every scenario's figures side by side with the peers', and
 * each goal of the issue marked met or not met.
 */
import { type Goal, type Metrics, table } from "./lib.js";

type Value = number | string | null | undefined;

/** One row: a metric of tickflow and, in the peers' columns, the same metric of each peer. */
interface Row {
  readonly scenario: string;
  readonly label: string;
  readonly tickflow: Value;
  readonly croner?: Value;
  readonly nodeCron?: Value;
  readonly bullmq?: Value;
  readonly pgboss?: Value;
  readonly python?: Value;
  readonly goal?: { readonly text: string; readonly met: boolean | undefined };
}

const num = (v: Value): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

const show = (v: Value): string => {
  if (v === undefined) return "";
  if (v === null) return "skipped";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return "n/a";
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString("en-US");
  return String(Number(v.toPrecision(3)));
};

/** `met` only when every figure it needs is there; `undefined` (unknown) otherwise. */
const check = (ok: (...xs: number[]) => boolean, ...values: Value[]): boolean | undefined => {
  const xs = values.map(num);
  return xs.every((x) => x !== undefined) ? ok(...(xs as number[])) : undefined;
};

/**
 * Builds the table and the goal list from the scenarios' metrics.
 *
 * @example
 * ```ts
 * const { text, goals } = report({ dag_overhead: { us_per_node: 20 } });
 * ```
 */
export function report(scenarios: Readonly<Record<string, Metrics>>): {
  readonly text: string;
  readonly goals: readonly Goal[];
} {
  const rows: Row[] = [];
  const notes: string[] = [];
  const s = (id: string) => scenarios[id];

  const dag = s("dag_overhead");
  if (dag) {
    rows.push(
      {
        scenario: "dag_overhead",
        label: "µs/node, 100-chain, NullProvenance",
        tickflow: dag.us_per_node,
        goal: { text: "< 50", met: check((x) => x < 50, dag.us_per_node) },
      },
      {
        scenario: "dag_overhead",
        label: "µs/node, 100-wide fan-out, Null",
        tickflow: dag.us_per_node_fanout,
        goal: { text: "< 50", met: check((x) => x < 50, dag.us_per_node_fanout) },
      },
      {
        scenario: "dag_overhead",
        label: "CPU µs/node, chain / fan-out, Null",
        tickflow: `${show(dag.cpu_us_per_node)} / ${show(dag.cpu_us_per_node_fanout)}`,
      },
      {
        scenario: "dag_overhead",
        label: "µs/node, chain, DagProvenance",
        tickflow: dag.us_per_node_durable,
      },
      {
        scenario: "dag_overhead",
        label: "µs/node, fan-out, DagProvenance",
        tickflow: dag.us_per_node_durable_fanout,
      },
      {
        scenario: "dag_overhead",
        label: "ratio to bare awaited promises (chain)",
        tickflow: dag.ratio_to_bare,
      },
    );
  }

  const prov = s("provenance_overhead");
  if (prov) {
    rows.push(
      {
        scenario: "provenance_overhead",
        label: "3-node runs/s, NullProvenance",
        tickflow: prov.null_runs_per_s,
      },
      {
        scenario: "provenance_overhead",
        label: "3-node runs/s, DagProvenance",
        tickflow: prov.durable_runs_per_s,
      },
      { scenario: "provenance_overhead", label: "commits per run", tickflow: prov.commits_per_run },
      {
        scenario: "provenance_overhead",
        label: "ratio to commit limit",
        tickflow: prov.ratio_to_limit,
      },
    );
  }

  const fire = s("fire_throughput");
  if (fire) {
    // Ahead of every peer that ran; unknown when a peer was skipped (nothing to beat).
    const ahead = (x: Value, ...peers: Value[]): boolean | undefined =>
      check((t, ...p) => p.every((v) => t > v), x, ...peers);
    rows.push(
      {
        scenario: "fire_throughput",
        label: "fires/s, one at a time",
        tickflow: fire.fires_per_s,
        bullmq: fire.bullmq_fires_per_s,
        pgboss: fire.pgboss_fires_per_s,
        goal: {
          text: "> BullMQ, pg-boss",
          met: ahead(fire.fires_per_s, fire.bullmq_fires_per_s, fire.pgboss_fires_per_s),
        },
      },
      {
        scenario: "fire_throughput",
        label: "fires/s, 16 at a time",
        tickflow: fire.fires_per_s_16,
        bullmq: fire.bullmq_fires_per_s_16,
        pgboss: fire.pgboss_fires_per_s_16,
        goal: {
          text: "> BullMQ, pg-boss",
          met: ahead(fire.fires_per_s_16, fire.bullmq_fires_per_s_16, fire.pgboss_fires_per_s_16),
        },
      },
      {
        scenario: "fire_throughput",
        label: "commits per fire, one at a time",
        tickflow: fire.commits_per_fire,
        goal: { text: "≤ 5", met: check((x) => x <= 5, fire.commits_per_fire) },
      },
      {
        scenario: "fire_throughput",
        label: "commits per fire, 16 at a time",
        tickflow: fire.commits_per_fire_16,
      },
      {
        scenario: "fire_throughput",
        label: "raw SQLite commits/s (the limit)",
        tickflow: fire.sqlite_commit_limit_per_s,
      },
      {
        scenario: "fire_throughput",
        label: "ratio to limit, one at a time",
        tickflow: fire.ratio_to_limit,
        goal: { text: "≥ 0.5", met: check((x) => x >= 0.5, fire.ratio_to_limit) },
      },
      {
        scenario: "fire_throughput",
        label: "ratio to limit, 16 at a time",
        tickflow: fire.ratio_to_limit_16,
      },
      {
        scenario: "fire_throughput",
        label: "share of fire time inside commits, 1 / 16",
        tickflow: `${show(fire.commit_time_share)} / ${show(fire.commit_time_share_16)}`,
      },
    );
    for (const peer of ["bullmq", "pgboss"]) {
      const reason = fire[`${peer}_skipped`];
      if (typeof reason === "string") notes.push(`fire_throughput: ${peer} skipped: ${reason}`);
    }
  }

  const tick = s("tick_precision");
  if (tick) {
    const n = `${show(tick.triggers)} triggers × ${show(tick.seconds)} s`;
    rows.push(
      {
        scenario: "tick_precision",
        label: `lateness p50 ms (${n})`,
        tickflow: tick.p50_ms,
        croner: tick.croner_p50_ms,
        nodeCron: tick.nodecron_p50_ms,
        python: tick.python_poll_p50_ms,
      },
      {
        scenario: "tick_precision",
        label: "lateness p99 ms",
        tickflow: tick.p99_ms,
        croner: tick.croner_p99_ms,
        nodeCron: tick.nodecron_p99_ms,
        python: tick.python_poll_p99_ms,
        goal: { text: "≤ 10", met: check((x) => x <= 10, tick.p99_ms) },
      },
      {
        scenario: "tick_precision",
        label: "lateness p99 ms vs croner",
        tickflow: tick.p99_ms,
        croner: tick.croner_p99_ms,
        goal: {
          text: "≤ 2×croner+5",
          met: check((x, c) => x <= 2 * c + 5, tick.p99_ms, tick.croner_p99_ms),
        },
      },
      {
        scenario: "tick_precision",
        label: "lateness max ms",
        tickflow: tick.max_ms,
        croner: tick.croner_max_ms,
        nodeCron: tick.nodecron_max_ms,
        python: tick.python_poll_max_ms,
      },
      {
        scenario: "tick_precision",
        label: "ledger fired_at lateness p99 ms",
        tickflow: tick.ledger_p99_ms,
      },
      {
        scenario: "tick_precision",
        label: "missed ticks",
        tickflow: tick.missed_ticks,
        croner: tick.croner_missed_ticks,
        nodeCron: tick.nodecron_missed_ticks,
        goal: { text: "= 0", met: check((x) => x === 0, tick.missed_ticks) },
      },
      {
        scenario: "tick_precision",
        label: "CPU % of one core",
        tickflow: tick.cpu_percent_of_one_core,
        croner: tick.croner_cpu_percent_of_one_core,
        nodeCron: tick.nodecron_cpu_percent_of_one_core,
      },
    );
    if (typeof tick.ledger_statuses === "string") {
      notes.push(`tick_precision: ledger rows of the window: ${tick.ledger_statuses}`);
    }
  }

  // Retention beside tick_precision: the same lateness while old history is pruned.
  const prune = s("prune_lateness");
  if (prune) {
    const n = `${show(prune.triggers)} triggers, ${show(prune.rows)} rows pruned`;
    const pair = (a: Value, b: Value) => `${show(a)} → ${show(b)}`;
    rows.push(
      {
        scenario: "prune_lateness",
        label: `lateness p50 ms, quiet → pruning (${n})`,
        tickflow: pair(prune.quiet_p50_ms, prune.pruning_p50_ms),
      },
      {
        scenario: "prune_lateness",
        label: "lateness p99 / max ms while pruning",
        tickflow: `${show(prune.pruning_p99_ms)} / ${show(prune.pruning_max_ms)}`,
      },
      {
        scenario: "prune_lateness",
        label: "missed / doubled ticks while pruning",
        tickflow: `${show(prune.pruning_missed_ticks)} / ${show(prune.doubled_ticks)}`,
        goal: {
          text: "= 0",
          met: check((m, d) => m === 0 && d === 0, prune.pruning_missed_ticks, prune.doubled_ticks),
        },
      },
      { scenario: "prune_lateness", label: "rows pruned per s", tickflow: prune.rows_pruned_per_s },
    );
  }

  const idle = s("idle_cost");
  if (idle) {
    rows.push(
      {
        scenario: "idle_cost",
        label: "CPU % of one core (10,000 idle)",
        tickflow: idle.cpu_percent_of_one_core,
        croner: idle.croner_cpu_percent_of_one_core,
        goal: { text: "< 1", met: check((x) => x < 1, idle.cpu_percent_of_one_core) },
      },
      {
        scenario: "idle_cost",
        label: "RSS MB (node dist/)",
        tickflow: idle.rss_mb,
        croner: idle.croner_rss_mb,
        goal: { text: "≤ 150", met: check((x) => x <= 150, idle.rss_mb) },
      },
      {
        scenario: "idle_cost",
        label: "RSS MB before any trigger",
        tickflow: idle.rss_baseline_mb,
        croner: idle.croner_rss_baseline_mb,
        goal: { text: "≤ 100", met: check((x) => x <= 100, idle.rss_baseline_mb) },
      },
      {
        scenario: "idle_cost",
        label: "heap MB after GC (before any trigger)",
        tickflow: `${show(idle.heap_mb)} (${show(idle.heap_baseline_mb)})`,
        croner: idle.croner_heap_mb,
      },
      {
        scenario: "idle_cost",
        label: "activate all ms (croner: create)",
        tickflow: idle.activate_all_ms,
        croner: idle.croner_create_all_ms,
        goal: { text: "< 2,000", met: check((x) => x < 2000, idle.activate_all_ms) },
      },
      { scenario: "idle_cost", label: "start ms", tickflow: idle.start_ms },
    );
  }

  const restart = s("restart");
  if (restart) {
    rows.push(
      {
        scenario: "restart",
        label: "start to ready ms (10k triggers, 1M journal)",
        tickflow: restart.start_to_ready_ms,
        goal: { text: "< 1,000", met: check((x) => x < 1000, restart.start_to_ready_ms) },
      },
      {
        scenario: "restart",
        label: "RSS MB when ready (node dist/)",
        tickflow: restart.rss_mb,
        goal: { text: "≤ 150", met: check((x) => x <= 150, restart.rss_mb) },
      },
      {
        scenario: "restart",
        label: "RSS MB before any trigger",
        tickflow: restart.rss_baseline_mb,
        goal: { text: "≤ 100", met: check((x) => x <= 100, restart.rss_baseline_mb) },
      },
    );
  }
  const up = s("startup");
  if (up) {
    rows.push(
      { scenario: "startup", label: "node -e 0 ms (same rounds)", tickflow: up.node_e0_ms },
      {
        scenario: "startup",
        label: "tickflow --help ms",
        tickflow: up.help_ms,
        goal: {
          text: "≤ 3 × node -e 0",
          met: check((h, n) => h <= 3 * n, up.help_ms, up.node_e0_ms),
        },
      },
      { scenario: "startup", label: "--help ÷ node -e 0", tickflow: up.help_ratio_to_node },
      {
        scenario: "startup",
        label: 'import("tickflow") ms, inside the process',
        tickflow: up.import_ms,
        goal: { text: "≤ 150", met: check((x) => x <= 150, up.import_ms) },
      },
      {
        scenario: "startup",
        label: "import: process wall ms / RSS MB",
        tickflow: `${show(up.import_process_ms)} / ${show(up.import_rss_mb)}`,
      },
      {
        scenario: "startup",
        label: "tickflow status ms (10,000 triggers)",
        tickflow: up.status_ms,
        goal: { text: "≤ 500", met: check((x) => x <= 500, up.status_ms) },
      },
      { scenario: "startup", label: "tickflow status --json ms", tickflow: up.status_json_ms },
    );
  }

  const poll = s("poll_cost");
  if (poll) {
    rows.push(
      {
        scenario: "poll_cost",
        label: "pollFn calls per tick (1,000 × 1 s)",
        tickflow: poll.pollfn_calls_per_tick,
        goal: { text: "= 1", met: check((x) => x === 1, poll.pollfn_calls_per_tick) },
      },
      { scenario: "poll_cost", label: "CPU % of one core", tickflow: poll.cpu_percent_of_one_core },
    );
  }

  const pgFire = s("pg_fire_throughput");
  if (pgFire && typeof pgFire.skipped === "string") {
    rows.push({ scenario: "pg_fire_throughput", label: "PostgreSQL", tickflow: null });
    notes.push(`pg_fire_throughput skipped: ${pgFire.skipped}`);
  } else if (pgFire && pgFire.error === undefined) {
    const n = `${show(pgFire.triggers)} push triggers, ${show(pgFire.concurrency)} in flight per supervisor`;
    const pair = (a: Value, b: Value) => `${show(a)} / ${show(b)}`;
    rows.push(
      {
        scenario: "pg_fire_throughput",
        label: `fires/s, SQLite, 1 supervisor (${n})`,
        tickflow: pgFire.sqlite_1_fires_per_s,
      },
      {
        scenario: "pg_fire_throughput",
        label: "fires/s, PostgreSQL, 1 supervisor",
        tickflow: pgFire.pg_1_fires_per_s,
      },
      {
        scenario: "pg_fire_throughput",
        label: "fires/s, PostgreSQL, 3 supervisors (total)",
        tickflow: pgFire.pg_3_fires_per_s,
        goal: {
          text: "≥ 2 × pg_1",
          met: check(
            (three, one) => three >= 2 * one,
            pgFire.pg_3_fires_per_s,
            pgFire.pg_1_fires_per_s,
          ),
        },
      },
      {
        scenario: "pg_fire_throughput",
        label: "PG 3 supervisors ÷ 1",
        tickflow: pgFire.pg_3_to_pg_1,
      },
      {
        scenario: "pg_fire_throughput",
        label: `fires/s, PostgreSQL, I/O-bound nodes (each waits ${show(pgFire.node_wait_ms)} ms), 1 / 3 supervisors`,
        tickflow: pair(pgFire.pg_io_1_fires_per_s, pgFire.pg_io_3_fires_per_s),
      },
      {
        scenario: "pg_fire_throughput",
        label: "PG I/O-bound: 3 supervisors ÷ 1",
        tickflow: pgFire.pg_io_3_to_pg_io_1,
      },
      {
        scenario: "pg_fire_throughput",
        label: "PG commits per fire, 1 / 3 supervisors",
        tickflow: pair(pgFire.pg_1_commits_per_fire, pgFire.pg_3_commits_per_fire),
      },
      {
        scenario: "pg_fire_throughput",
        label: "PG statements per fire, 1 / 3",
        tickflow: pair(pgFire.pg_1_queries_per_fire, pgFire.pg_3_queries_per_fire),
      },
      {
        scenario: "pg_fire_throughput",
        label: "CPU ms per fire, supervisors, 1 / 3",
        tickflow: pair(pgFire.pg_1_cpu_ms_per_fire, pgFire.pg_3_cpu_ms_per_fire),
      },
      {
        scenario: "pg_fire_throughput",
        label: "CPU ms per fire, PostgreSQL server, 1 / 3",
        tickflow: pair(pgFire.pg_1_pg_cpu_ms_per_fire, pgFire.pg_3_pg_cpu_ms_per_fire),
      },
      {
        scenario: "pg_fire_throughput",
        label: "machine CPU busy % (all cores), 1 / 3",
        tickflow: pair(pgFire.pg_1_machine_busy_percent, pgFire.pg_3_machine_busy_percent),
      },
      {
        scenario: "pg_fire_throughput",
        label: "CPU % of one core outside the bench (other load), 1 / 3",
        tickflow: pair(pgFire.pg_1_other_cpu_percent, pgFire.pg_3_other_cpu_percent),
      },
    );
    for (const key of ["sqlite_1", "pg_1", "pg_3", "pg_io_1", "pg_io_3"]) {
      const errors = pgFire[`${key}_errors`];
      if (typeof errors === "number" && errors > 0) {
        notes.push(
          `pg_fire_throughput: ${key}: ${errors} fires failed (first: ${String(pgFire[`${key}_first_error`])})`,
        );
      }
    }
  }

  const pgTick = s("pg_tick_precision");
  if (pgTick && typeof pgTick.skipped === "string") {
    rows.push({ scenario: "pg_tick_precision", label: "PostgreSQL", tickflow: null });
    notes.push(`pg_tick_precision skipped: ${pgTick.skipped}`);
  } else if (pgTick && pgTick.error === undefined) {
    const n = `${show(pgTick.triggers)} triggers × ${show(pgTick.seconds)} s`;
    const three = (metric: string) =>
      ["sqlite_1", "pg_1", "pg_3"].map((key) => show(pgTick[`${key}_${metric}`])).join(" / ");
    const all = (metric: string) =>
      ["sqlite_1", "pg_1", "pg_3"].map((key) => pgTick[`${key}_${metric}`]);
    rows.push(
      {
        scenario: "pg_tick_precision",
        label: `ledger lateness p50 ms, SQLite / PG 1 / PG 3 (${n})`,
        tickflow: three("p50_ms"),
      },
      {
        scenario: "pg_tick_precision",
        label: "ledger lateness p99 ms, SQLite / PG 1 / PG 3",
        tickflow: three("p99_ms"),
      },
      {
        scenario: "pg_tick_precision",
        label: "ledger lateness max ms, SQLite / PG 1 / PG 3",
        tickflow: three("max_ms"),
      },
      {
        scenario: "pg_tick_precision",
        label: "fired-event lateness p99 ms, SQLite / PG 1 / PG 3",
        tickflow: three("event_p99_ms"),
      },
      {
        scenario: "pg_tick_precision",
        label: "missed ticks, SQLite / PG 1 / PG 3",
        tickflow: three("missed_ticks"),
        goal: {
          text: "= 0",
          met: check((...xs) => xs.every((x) => x === 0), ...all("missed_ticks")),
        },
      },
      {
        scenario: "pg_tick_precision",
        label: "duplicated ticks, SQLite / PG 1 / PG 3",
        tickflow: three("duplicated_ticks"),
        goal: {
          text: "= 0",
          met: check((...xs) => xs.every((x) => x === 0), ...all("duplicated_ticks")),
        },
      },
      {
        scenario: "pg_tick_precision",
        label: "supervisors' CPU % of one core, SQLite / PG 1 / PG 3",
        tickflow: three("cpu_percent_of_one_core"),
      },
      {
        scenario: "pg_tick_precision",
        label: "PostgreSQL server CPU % of one core, PG 1 / PG 3",
        tickflow: `${show(pgTick.pg_1_pg_cpu_percent_of_one_core)} / ${show(pgTick.pg_3_pg_cpu_percent_of_one_core)}`,
      },
    );
    for (const key of ["sqlite_1", "pg_1", "pg_3"]) {
      const statuses = pgTick[`${key}_ledger_statuses`];
      if (typeof statuses === "string") {
        notes.push(`pg_tick_precision: ${key}: ledger rows of the window: ${statuses}`);
      }
      const errors = pgTick[`${key}_errors`];
      if (typeof errors === "number" && errors > 0) {
        notes.push(
          `pg_tick_precision: ${key}: ${errors} supervisor errors (first: ${String(pgTick[`${key}_first_error`])})`,
        );
      }
    }
  }

  for (const [id, metrics] of Object.entries(scenarios)) {
    if (typeof metrics.error === "string") {
      rows.push({
        scenario: id,
        label: "failed",
        tickflow: "error",
        goal: { text: "", met: false },
      });
      notes.push(`${id} failed: ${metrics.error}`);
    }
  }

  const status = (met: boolean | undefined) =>
    met === undefined ? "unknown" : met ? "met" : "NOT MET";
  // (unknown: a figure it needs is missing, e.g. a peer was skipped.)
  const text = table(
    [
      "scenario",
      "metric",
      "tickflow",
      "croner",
      "node-cron",
      "BullMQ",
      "pg-boss",
      "Python*",
      "goal",
      "",
    ],
    rows.map((row) => [
      row.scenario,
      row.label,
      show(row.tickflow),
      show(row.croner),
      show(row.nodeCron),
      show(row.bullmq),
      show(row.pgboss),
      show(row.python),
      row.goal?.text ?? "",
      row.goal ? status(row.goal.met) : "",
    ]),
  );
  const goals: Goal[] = rows
    .filter((row) => row.goal !== undefined)
    .map((row) => ({
      scenario: row.scenario,
      text: `${row.label} ${row.goal?.text}`,
      met: row.goal?.met,
      value: show(row.tickflow),
    }));
  const missed = goals.filter((g) => g.met === false);
  const unknown = goals.filter((g) => g.met === undefined);
  const list = (gs: readonly Goal[]) =>
    gs.map((g) => `${g.scenario} ${g.text} (${g.value})`).join("; ");
  const footer = [
    "* Python: the original's design (a supervisor loop polling every second), its bound, not a run.",
    ...notes,
    `${goals.length - missed.length - unknown.length} of ${goals.length} goals met.`,
    ...(missed.length === 0 ? [] : [`Not met: ${list(missed)}.`]),
    ...(unknown.length === 0 ? [] : [`Unknown (a figure is missing): ${list(unknown)}.`]),
  ];
  return { text: `${text}\n\n${footer.join("\n")}`, goals };
}
